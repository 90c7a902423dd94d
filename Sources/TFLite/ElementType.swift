/// A tensor element type, numbered as TFLite's `TensorType`.
public enum ElementType: Int8, Sendable, CaseIterable, CustomStringConvertible {
    case float32 = 0, float16, int32, uint8, int64, string, bool, int16, complex64, int8, float64, complex128
    case uint64, resource, variant, uint32, uint16, int4, bfloat16

    /// The lower-case name used in reports and JSON (`int8`, `float32`).
    public var description: String {
        switch self {
        case .float32: "float32"
        case .float16: "float16"
        case .int32: "int32"
        case .uint8: "uint8"
        case .int64: "int64"
        case .string: "string"
        case .bool: "bool"
        case .int16: "int16"
        case .complex64: "complex64"
        case .int8: "int8"
        case .float64: "float64"
        case .complex128: "complex128"
        case .uint64: "uint64"
        case .resource: "resource"
        case .variant: "variant"
        case .uint32: "uint32"
        case .uint16: "uint16"
        case .int4: "int4"
        case .bfloat16: "bfloat16"
        }
    }

    /// Bytes per element, or nil where the size is not fixed (strings, resources, packed int4).
    public var byteSize: Int? {
        switch self {
        case .int8, .uint8, .bool: 1
        case .int16, .uint16, .float16, .bfloat16: 2
        case .int32, .uint32, .float32: 4
        case .int64, .uint64, .float64, .complex64: 8
        case .complex128: 16
        case .string, .resource, .variant, .int4: nil
        }
    }
}
