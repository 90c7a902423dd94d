// The bundles that seed Tools/fuzz/fuzz_bundle_loader.c (Tests/Fixtures/runtime/seeds/*.csd).
// They must stay valid: this test opens and runs each. To regenerate them after a format
// change: VTAC_WRITE_RUNTIME_SEEDS=1 swift test --filter SeedBundleTests
import Bundle
import CSDRuntime
import Foundation
import TestSupport
import Testing

enum SeedBundles {
    static let directory = Fixtures.path("Tests/Fixtures/runtime/seeds")

    /// name -> bundle bytes, one per feature the loader has.
    static func all() throws -> [(String, [UInt8])] {
        let layer = GemmLayer(seed: 1)
        var softmax = layer.manifest()
        let probabilities = tensor(.host, 128, [1, 2, 2, 16])
        softmax.kernels = [softmaxKernel(layer.hostOutput, probabilities, softmaxParams(rows: 4, depth: 16))]
        softmax.steps.append(kernelStep(0))
        softmax.outputs = [ioTensor("probabilities", probabilities)]
        softmax.memory.hostSize = 192
        var packed = layer.manifest()
        packed.inputs = [ioTensor("input", layer.deviceInput)]
        packed.outputs = [ioTensor("output", layer.deviceOutput)]
        packed.steps = [segmentStep(0)]
        return [
            ("gemm", try layer.bundle().encode()),
            ("gemm_softmax", try layer.bundle(manifest: softmax).encode()),
            ("gemm_packed_io", try layer.bundle(manifest: packed).encode()),
            ("cpu_conv", try CPUKernelBundles.conv()),
            ("cpu_dwconv", try CPUKernelBundles.conv(depthwise: true)),
            ("cpu_pool", try CPUKernelBundles.maxPool()),
            ("cpu_add", try CPUKernelBundles.add()),
            ("cpu_quantize", try CPUKernelBundles.quantizeDequantize()),
            ("cpu_reshape", try CPUKernelBundles.reshapeRequantize()),
        ]
    }
}

@Suite struct SeedBundleTests {
    @Test func seedsAreValidBundles() throws {
        let seeds = try SeedBundles.all()
        if ProcessInfo.processInfo.environment["VTAC_WRITE_RUNTIME_SEEDS"] != nil {
            try FileManager.default.createDirectory(
                atPath: SeedBundles.directory, withIntermediateDirectories: true)
            for (name, bytes) in seeds {
                try Data(bytes).write(to: URL(fileURLWithPath: "\(SeedBundles.directory)/\(name).csd"))
            }
        }
        for (name, _) in seeds {
            let committed = try Fixtures.bytes("\(SeedBundles.directory)/\(name).csd")
            let opened = openBundle(committed)
            let bundle = try #require(opened.bundle, "\(name): \(opened.message)")
            let size = Int(csdrt_bundle_input_record_size(bundle.handle))
            #expect(bundle.infer([UInt8](repeating: 1, count: size)).status == CSDRT_OK)
        }
    }
}
