import Foundation
import TFLite
import TestSupport
import Testing

/// Every kind of bad file gets one precise error naming the file, never a crash.
@Suite struct MalformedModelTests {
    static let resnet = Fixtures.sharedModels.appendingPathComponent("resnet8_cifar10/model.tflite").path

    func refusal(_ bytes: [UInt8], name: String = "bad.tflite") throws -> TFLiteError {
        let path = try Fixtures.temporaryFile(bytes, name: name)
        do {
            _ = try TFLiteReader.read(path: path)
        } catch {
            #expect(error.description.hasPrefix(path + ": "), "message should start with the file")
            return error
        }
        Issue.record("\(name) was accepted")
        throw CancellationError()
    }

    @Test func missingFile() {
        #expect(throws: TFLiteError.cannotRead(path: "/no/such/model.tflite", reason: "no such file")) {
            try TFLiteReader.read(path: "/no/such/model.tflite")
        }
    }

    @Test func directory() {
        let dir = FileManager.default.temporaryDirectory.path
        #expect(throws: TFLiteError.cannotRead(path: dir, reason: "it is a directory")) {
            try TFLiteReader.read(path: dir)
        }
    }

    @Test func emptyFile() throws {
        guard case .empty = try refusal([]) else { Issue.record("expected .empty"); return }
    }

    @Test func tooShort() throws {
        guard case .tooSmall(_, 4) = try refusal([1, 2, 3, 4]) else {
            Issue.record("expected .tooSmall"); return
        }
    }

    @Test func wrongIdentifier() throws {
        var bytes = try Fixtures.bytes(Self.resnet)
        bytes.replaceSubrange(4..<8, with: Array("ONNX".utf8))
        guard case .wrongIdentifier(_, let found) = try refusal(bytes) else {
            Issue.record("expected .wrongIdentifier")
            return
        }
        #expect(found == "\"ONNX\"")
    }

    @Test func truncatedAtEveryScale() throws {
        let bytes = try Fixtures.bytes(Self.resnet)
        // Cut at many points: each must be refused as truncated or failing verification.
        for fraction in [0.001, 0.01, 0.1, 0.3, 0.5, 0.9, 0.999] {
            let cut = Array(bytes.prefix(Int(Double(bytes.count) * fraction)))
            let error = try refusal(cut)
            switch error {
            case .truncated, .verificationFailed, .tooSmall: break
            default: Issue.record("cut at \(cut.count) bytes gave \(error)")
            }
        }
    }

    @Test func corruptVTable() throws {
        var bytes = try Fixtures.bytes(Self.resnet)
        // The root table starts with a signed offset to its vtable: point it far outside the file.
        let root = Int(bytes[0]) | Int(bytes[1]) << 8 | Int(bytes[2]) << 16 | Int(bytes[3]) << 24
        bytes.replaceSubrange(root..<root + 4, with: [0xFF, 0xFF, 0xFF, 0x7F])
        guard case .verificationFailed = try refusal(bytes) else {
            Issue.record("expected verification failure"); return
        }
    }

    /// Crafted models (Tests/Fixtures/crafted/*.json, built with flatc) each break one rule.
    @Test(arguments: [
        ("bad_version", "unsupported TFLite schema version 2"),
        (
            "bad_tensor_index",
            "operator 0 (FULLY_CONNECTED) input 1 is tensor 7, but the subgraph has 3 tensors"
        ),
        ("bad_buffer_index", "tensor 1 'w' refers to buffer 9, but the model has 2 buffers"),
        ("short_constant", "constant data of tensor 1 'w' is 5 bytes, shorter than the 8 bytes"),
        ("bad_opcode_index", "operator 0 uses operator code 4, but the model has 1"),
        ("bad_subgraph_output", "subgraph 0 output is tensor 5, but the subgraph has 3 tensors"),
        ("bad_per_axis", "tensor 1 'w' has 3 per-axis scales along dimension 0"),
    ])
    func craftedRefusals(name: String, message: String) throws {
        let path = Fixtures.path("Tests/Fixtures/crafted/\(name).tflite")
        do {
            _ = try TFLiteReader.read(path: path)
            Issue.record("\(name) was accepted")
        } catch {
            #expect(error.description.hasPrefix(path + ": "))
            #expect(error.description.contains(message), "\(error.description)")
        }
    }

    /// Random byte flips in a real model never crash the reader: each is accepted or refused.
    @Test func randomCorruptionNeverCrashes() throws {
        let original = try Fixtures.bytes(Fixtures.path("Tests/Fixtures/crafted/custom_and_subgraphs.tflite"))
        var rng = SplitMix64(seed: 42)
        for _ in 0..<2000 {
            var bytes = original
            for _ in 0..<1 + Int(rng.next() % 4) {
                let i = Int(rng.next() % UInt64(bytes.count))
                bytes[i] = UInt8(truncatingIfNeeded: rng.next())
            }
            _ = try? TFLiteReader.read(bytes: bytes, path: "fuzz.tflite")
        }
    }
}
