import Foundation

/// Element types vtac exchanges as `.npy` (little-endian, as numpy writes them on every host
/// we run on). The raw value is numpy's `descr` string.
public enum NPYType: String, Sendable, CaseIterable {
    case int8 = "|i1"
    case uint8 = "|u1"
    case bool = "|b1"
    case int16 = "<i2"
    case int32 = "<i4"
    case int64 = "<i8"
    case float32 = "<f4"
    case float64 = "<f8"

    public var byteSize: Int {
        switch self {
        case .int8, .uint8, .bool: 1
        case .int16: 2
        case .int32, .float32: 4
        case .int64, .float64: 8
        }
    }

    /// numpy's dtype name (`int8`, `float32`), for messages.
    public var name: String {
        switch self {
        case .int8: "int8"
        case .uint8: "uint8"
        case .bool: "bool"
        case .int16: "int16"
        case .int32: "int32"
        case .int64: "int64"
        case .float32: "float32"
        case .float64: "float64"
        }
    }
}

/// A C-order array as stored in a `.npy` file: type, shape and the raw little-endian bytes.
public struct NPYArray: Equatable, Sendable {
    public var type: NPYType
    public var shape: [Int]
    public var bytes: [UInt8]

    /// Creates an array, checking that the bytes fill the shape exactly.
    public init(type: NPYType, shape: [Int], bytes: [UInt8]) throws(NPYError) {
        let count = shape.reduce(1, *)
        guard shape.allSatisfy({ $0 >= 0 }), bytes.count == count * type.byteSize else {
            throw .invalid(
                path: "", what: "\(bytes.count) bytes do not fill shape \(shape) of \(type.name)")
        }
        self.type = type
        self.shape = shape
        self.bytes = bytes
    }

    public var elementCount: Int { shape.reduce(1, *) }

    public init(int8 values: [Int8], shape: [Int]) throws(NPYError) {
        try self.init(type: .int8, shape: shape, bytes: values.map { UInt8(bitPattern: $0) })
    }

    public init(uint8 values: [UInt8], shape: [Int]) throws(NPYError) {
        try self.init(type: .uint8, shape: shape, bytes: values)
    }

    public init(int32 values: [Int32], shape: [Int]) throws(NPYError) {
        try self.init(
            type: .int32, shape: shape, bytes: values.flatMap { Self.littleEndian(UInt32(bitPattern: $0)) })
    }

    public init(float32 values: [Float], shape: [Int]) throws(NPYError) {
        try self.init(
            type: .float32, shape: shape, bytes: values.flatMap { Self.littleEndian($0.bitPattern) })
    }

    /// The elements as Int8; nil unless the type is int8.
    public var int8Values: [Int8]? {
        type == .int8 ? bytes.map { Int8(bitPattern: $0) } : nil
    }

    public var uint8Values: [UInt8]? { type == .uint8 ? bytes : nil }

    public var int32Values: [Int32]? {
        type == .int32 ? words(UInt32.self).map { Int32(bitPattern: $0) } : nil
    }

    public var float32Values: [Float]? {
        type == .float32 ? words(UInt32.self).map { Float(bitPattern: $0) } : nil
    }

    private func words<T: FixedWidthInteger>(_: T.Type) -> [T] {
        let size = MemoryLayout<T>.size
        return stride(from: 0, to: bytes.count, by: size).map { offset in
            var value: T = 0
            for i in 0..<size { value |= T(bytes[offset + i]) << (8 * i) }
            return value
        }
    }

    private static func littleEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        (0..<MemoryLayout<T>.size).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }
}

/// Why a `.npy` file could not be read or written; each message names the file.
public enum NPYError: Error, Equatable, Sendable, CustomStringConvertible {
    case cannotRead(path: String, reason: String)
    case cannotWrite(path: String, reason: String)
    case invalid(path: String, what: String)
    case unsupported(path: String, what: String)

    public var description: String {
        switch self {
        case .cannotRead(let path, let reason): "\(path): cannot read: \(reason)"
        case .cannotWrite(let path, let reason): "\(path): cannot write: \(reason)"
        case .invalid(let path, let what): path.isEmpty ? what : "\(path): not a valid .npy file: \(what)"
        case .unsupported(let path, let what): "\(path): unsupported .npy content: \(what)"
        }
    }
}
