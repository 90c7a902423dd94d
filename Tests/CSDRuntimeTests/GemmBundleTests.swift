import Bundle
import CSDRuntime
// A one-layer bundle through the runtime API: load (fills, relocation, verification) and
// inference, checked bit for bit against the layer computed in Swift.
import TestSupport
import Testing
import VTATarget

@Suite struct GemmBundleTests {
    @Test func gemmLayerMatchesSwift() throws {
        let layer = GemmLayer(seed: 7)
        let opened = openBundle(try layer.bundle().encode())
        let bundle = try #require(opened.bundle, "\(statusName(opened.status)): \(opened.message)")
        #expect(csdrt_bundle_input_record_size(bundle.handle) == 64)
        #expect(csdrt_bundle_output_record_size(bundle.handle) == 64)
        var rng = SplitMix64(99)
        // Several inferences on one load: state from one must not leak into the next.
        for _ in 0..<3 {
            let input = rng.int8s(64)
            let run = bundle.infer(bytes(input))
            #expect(run.status == CSDRT_OK, "\(run.message)")
            #expect(int8s(run.output[...]) == layer.expected(input))
        }
    }

    @Test func saturatesAndTruncatesLikeTheHardware() throws {
        // All-127 inputs and a shift of 0 overflow int8: MIN/MAX clamp before STORE narrows.
        var layer = GemmLayer(seed: 3)
        layer.aluShift = 0
        let opened = openBundle(try layer.bundle().encode())
        let bundle = try #require(opened.bundle, "\(opened.message)")
        let input = [Int8](repeating: 127, count: 64)
        let run = bundle.infer(bytes(input))
        #expect(run.status == CSDRT_OK, "\(run.message)")
        #expect(int8s(run.output[...]) == layer.expected(input))
        // |acc| = 127 x |sum of a weight row| exceeds 127 for every row but an all-zero one.
        #expect(int8s(run.output[...]).contains(127) || int8s(run.output[...]).contains(-128))
    }

    @Test func fillsHalosAndCopiesOnlyTheValue() throws {
        let layer = GemmLayer(seed: 11)
        let opened = openBundle(try layer.bundle().encode())
        let bundle = try #require(opened.bundle, "\(opened.message)")
        let input = [Int8](repeating: -3, count: 64)
        #expect(bundle.infer(bytes(input)).status == CSDRT_OK)
        let activations = bundle.region(.activations)
        #expect(activations.count == 512)
        // Packed input [1][1][4][4][1][16] with a one-pixel halo: the halo keeps the fill, the
        // 2x2 interior holds the input.
        for row in 0..<4 {
            for col in 0..<4 {
                let element = Array(activations[(row * 4 + col) * 16..<(row * 4 + col + 1) * 16])
                let interior = (1...2).contains(row) && (1...2).contains(col)
                #expect(element == [UInt8](repeating: interior ? 0xFD : GemmLayer.inputHalo, count: 16))
            }
        }
        // The output's halo keeps its fill: the segment stores only the interior rows.
        let out = Array(activations[256..<512])
        for row in 0..<4 {
            for col in 0..<4 where !((1...2).contains(row) && (1...2).contains(col)) {
                #expect(
                    Array(out[(row * 4 + col) * 16..<(row * 4 + col + 1) * 16])
                        == [UInt8](repeating: GemmLayer.outputHalo, count: 16))
            }
        }
    }

    @Test func relocatesDramBaseFromTheConfiguration() throws {
        let layer = GemmLayer()
        let opened = openBundle(try layer.bundle().encode())
        let bundle = try #require(opened.bundle, "\(opened.message)")
        var count: UInt32 = 0
        let code = try #require(csdrt_bundle_segment_code(bundle.handle, 0, &count))
        #expect(count == 12)
        let words = [UInt8](UnsafeBufferPointer(start: code, count: Int(count) * 16))
        let stream = try defaultConfig.codec.decode(stream: words)
        // Every relocated LOAD/STORE now points into its region: dram_base x element bytes is
        // a physical address, and the memory types are unchanged.
        var bases: [Int] = []
        for index in [0, 1, 2, 8, 9] {
            switch stream[index] {
            case .load(let m), .store(let m): bases.append(m.dramBase)
            default: Issue.record("instruction \(index) is not a LOAD/STORE")
            }
        }
        #expect(bases.allSatisfy { $0 > 0 })
        // Both STOREs are in the same region, four elements (one padded row) apart.
        #expect(bases[4] - bases[3] == 4)
        // The INP load and the STOREs share the activations region: 256 bytes = 16 elements.
        #expect(bases[3] - bases[2] == 16 + 5)
    }

    @Test func storageMayBeThePackedTensorItself() throws {
        // The input record goes straight into packed device memory, the output comes straight
        // from it: no Copy steps.
        let layer = GemmLayer(seed: 5)
        var m = layer.manifest()
        m.inputs = [ioTensor("input", layer.deviceInput)]
        m.outputs = [ioTensor("output", layer.deviceOutput)]
        m.steps = [segmentStep(0)]
        let opened = openBundle(try layer.bundle(manifest: m).encode())
        let bundle = try #require(opened.bundle, "\(opened.message)")
        var rng = SplitMix64(1)
        let input = rng.int8s(64)
        let run = bundle.infer(bytes(input))
        #expect(run.status == CSDRT_OK, "\(run.message)")
        #expect(int8s(run.output[...]) == layer.expected(input))
    }

    @Test func checkValidatesWithoutAllocating() throws {
        let bytes = try GemmLayer().bundle().encode()
        var o = defaultOptions()
        var err = [CChar](repeating: 0, count: 256)
        let status = bytes.withUnsafeBytes {
            csdrt_bundle_check($0.baseAddress, $0.count, &o, &err, err.count)
        }
        #expect(status == CSDRT_OK, "\(text(err))")
    }
}
