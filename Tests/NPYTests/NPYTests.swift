import Foundation
import NPY
import TestSupport
import Testing

/// `.npy` reading and writing, checked against files numpy wrote.
@Suite struct NPYTests {
    static let numpyFiles: [String] = Fixtures.modelFolders(in: Fixtures.sharedModels).flatMap { dir in
        ["input_0.npy", "output_0.npy"].map { dir.appendingPathComponent($0).path }
    }

    /// Re-encoding what numpy wrote gives numpy's bytes back, header padding included.
    @Test(arguments: numpyFiles)
    func reencodesNumpyFilesByteForByte(path: String) throws {
        let original = try Fixtures.bytes(path)
        let array = try NPYFile.read(path: path)
        #expect(NPYFile.encode(array) == original)
    }

    @Test func readsTypesAndShapes() throws {
        let resnetInput = try NPYFile.read(
            path: Fixtures.sharedModels.appendingPathComponent("resnet8_cifar10/input_0.npy").path)
        #expect(resnetInput.type == .int8)
        #expect(resnetInput.shape == [1, 32, 32, 3])
        #expect(resnetInput.int8Values?.count == 3072)
        let floatInput = try NPYFile.read(
            path: Fixtures.sharedModels.appendingPathComponent("image_example1_floatio/input_0.npy").path)
        #expect(floatInput.type == .float32)
        #expect(floatInput.float32Values?.count == floatInput.elementCount)
    }

    @Test func roundTripsEveryType() throws {
        let arrays: [NPYArray] = [
            try NPYArray(int8: [-128, 0, 127], shape: [3]),
            try NPYArray(uint8: [0, 255], shape: [1, 2]),
            try NPYArray(int32: [Int32.min, -1, 0, Int32.max], shape: [2, 2]),
            try NPYArray(float32: [-1.5, 0, .infinity, 3.25e-8], shape: [4, 1]),
            try NPYArray(float32: [7], shape: []),
        ]
        for array in arrays {
            #expect(try NPYFile.decode(NPYFile.encode(array)) == array)
        }
        #expect(try NPYArray(int32: [Int32.min, 5], shape: [2]).int32Values == [Int32.min, 5])
        #expect(try NPYArray(float32: [-1.5, 2], shape: [2]).float32Values == [-1.5, 2])
    }

    @Test func headerIsAlignedTo64Bytes() throws {
        for shape in [[1], [1, 10], [1, 32, 32, 3], [123_456, 7]] {
            let array = try NPYArray(
                type: .int8, shape: shape, bytes: [UInt8](repeating: 0, count: shape.reduce(1, *)))
            let encoded = NPYFile.encode(array)
            #expect((encoded.count - array.bytes.count) % 64 == 0)
        }
    }

    @Test func refusesMalformedFiles() throws {
        let good = NPYFile.encode(try NPYArray(int8: [1, 2, 3, 4], shape: [2, 2]))
        #expect(throws: NPYError.self) { try NPYFile.decode(Array(good.dropLast())) }  // short data
        #expect(throws: NPYError.self) { try NPYFile.decode(Array("not numpy".utf8)) }
        #expect(throws: NPYError.self) { try NPYFile.decode(Array(good.prefix(20))) }  // header cut
        #expect(throws: NPYError.self) { try NPYFile.decode(replacing("False", with: "True ", in: good)) }
        do {
            _ = try NPYFile.decode(replacing("|i1", with: "<c8", in: good), path: "x.npy")
            Issue.record("complex accepted")
        } catch {
            #expect(error.description.contains("x.npy: unsupported .npy content: dtype '<c8'"))
        }
        #expect(throws: NPYError.self) { try NPYFile.read(path: "/no/such/file.npy") }
    }

    @Test func writesAtomically() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("npy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("a.npy").path
        let array = try NPYArray(int8: [5, 6], shape: [2])
        try NPYFile.write(array, path: path)
        #expect(try NPYFile.read(path: path) == array)
        #expect(throws: NPYError.self) {
            try NPYFile.write(array, path: dir.appendingPathComponent("missing/dir/a.npy").path)
        }
    }
}

/// `bytes` with the first occurrence of `old` (ASCII) replaced by `new` of the same length.
private func replacing(_ old: String, with new: String, in bytes: [UInt8]) -> [UInt8] {
    let needle = Array(old.utf8)
    var out = bytes
    for i in 0...(bytes.count - needle.count) where Array(bytes[i..<i + needle.count]) == needle {
        out.replaceSubrange(i..<i + needle.count, with: Array(new.utf8))
        break
    }
    return out
}
