// The VTA_PACKED layout with BATCH > 1, several channel blocks, padding channels and halos:
// a round trip host -> packed -> host, and every packed byte where the proto says it is.
import Bundle
import CSDRuntime
import Testing

@Suite struct PackedLayoutTests {
    @Test func batchTwoTwoBlocksWithHalos() throws {
        // BATCH 2, BLOCK 16; NHWC [2, 3, 2, 20]: ceil(20/16) = 2 blocks, channels 20..31 padding.
        let (n, h, w, c) = (2, 3, 2, 20)
        let (top, bottom, left, right) = (1, 2, 0, 1)
        var packedRef = tensor(.activations, 64, [2, 3, 2, 20], packed: true)
        packedRef.haloTop = UInt32(top)
        packedRef.haloBottom = UInt32(bottom)
        packedRef.haloLeft = UInt32(left)
        packedRef.haloRight = UInt32(right)
        let rows = h + top + bottom, cols = w + left + right
        let packedSize = (n / 2) * 2 * rows * cols * 2 * 16
        let hostIn = tensor(.host, 0, [2, 3, 2, 20]), hostOut = tensor(.host, 256, [2, 3, 2, 20])
        var m = Vtac_Bundle_Manifest()
        var hw = hardware()
        hw.logBatch = 1
        m.hardware = hw
        m.inputs = [ioTensor("x", hostIn)]
        m.outputs = [ioTensor("y", hostOut)]
        m.inputRecordSize = 240
        m.outputRecordSize = 240
        m.memory.alignment = 4096
        m.memory.activationsSize = UInt64(64 + packedSize)
        m.memory.hostSize = 512
        m.steps = [copyStep(hostIn, packedRef, "to_vta"), copyStep(packedRef, hostOut, "to_cpu")]
        m.fills = [fill(.activations, 64, UInt64(packedSize), 0xAA)]
        var o = defaultOptions()
        o.hardware.LOG_BATCH = 1
        let opened = openBundle(try CSDBundle(manifest: m).encode(), options: o)
        let bundle = try #require(opened.bundle, "\(opened.message)")
        let input = (0..<240).map { UInt8(truncatingIfNeeded: $0 * 7 + 1) }
        let run = bundle.infer(input)
        #expect(run.status == CSDRT_OK, "\(run.message)")
        #expect(run.output == input)
        // [N/BATCH][ceil(C/BLOCK)][H+top+bottom][W+left+right][BATCH][BLOCK]
        let region = Array(bundle.region(.activations)[64..<64 + packedSize])
        var expected = [UInt8](repeating: 0xAA, count: packedSize)
        for b in 0..<n {
            for y in 0..<h {
                for x in 0..<w {
                    for ch in 0..<c {
                        var i = (b / 2) * 2 + ch / 16
                        i = i * rows + y + top
                        i = i * cols + x + left
                        i = i * 2 + b % 2
                        expected[i * 16 + ch % 16] = input[((b * h + y) * w + x) * c + ch]
                    }
                }
            }
        }
        #expect(region == expected)
    }

    @Test func packedNeedsBatchMultiples() throws {
        var m = Vtac_Bundle_Manifest()
        var hw = hardware()
        hw.logBatch = 1
        m.hardware = hw
        let hostIn = tensor(.host, 0, [3, 1, 1, 16])
        m.inputs = [ioTensor("x", hostIn)]
        m.outputs = [ioTensor("y", hostIn)]
        m.inputRecordSize = 48
        m.outputRecordSize = 48
        m.memory.alignment = 4096
        m.memory.activationsSize = 4096
        m.memory.hostSize = 64
        m.steps = [copyStep(hostIn, tensor(.activations, 0, [3, 1, 1, 16], packed: true), "to_vta")]
        var o = defaultOptions()
        o.hardware.LOG_BATCH = 1
        expectRefused(
            try CSDBundle(manifest: m).encode(), CSDRT_ERR_TENSOR, ["multiple of BATCH 2"], options: o)
    }
}
