// Bad bundles: each refused with its own status and a one-line message, never a crash.
import Bundle
import CSDRuntime
import CVTASim
import Testing

/// CRC-32 as the container uses it, to forge headers that pass their checksum.
func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for b in bytes {
        crc ^= UInt32(b)
        for _ in 0..<8 { crc = crc & 1 != 0 ? 0xEDB8_8320 ^ (crc >> 1) : crc >> 1 }
    }
    return crc ^ 0xFFFF_FFFF
}

func put32(_ bytes: inout [UInt8], _ at: Int, _ value: UInt32) {
    for i in 0..<4 { bytes[at + i] = UInt8(truncatingIfNeeded: value >> (8 * i)) }
}

/// Expects opening to fail with `status` and a one-line message containing every fragment.
func expectRefused(
    _ bytes: [UInt8], _ status: csdrt_status, _ fragments: [String] = [],
    options: csdrt_options = defaultOptions(), sourceLocation: SourceLocation = #_sourceLocation
) {
    let opened = openBundle(bytes, options: options)
    #expect(opened.bundle == nil, sourceLocation: sourceLocation)
    #expect(
        opened.status == status, "got \(statusName(opened.status)): \(opened.message)",
        sourceLocation: sourceLocation)
    #expect(!opened.message.isEmpty && !opened.message.contains("\n"), sourceLocation: sourceLocation)
    for f in fragments {
        #expect(
            opened.message.contains(f), "'\(opened.message)' lacks '\(f)'", sourceLocation: sourceLocation)
    }
}

@Suite struct BundleErrorTests {
    let layer = GemmLayer()

    func encoded(_ edit: (inout Vtac_Bundle_Manifest) -> Void, listing: String? = nil) throws -> [UInt8] {
        var m = layer.manifest()
        edit(&m)
        return try layer.bundle(manifest: m, listing: listing).encode()
    }

    // MARK: Container

    @Test func truncatedBundle() throws {
        let good = try layer.bundle().encode()
        expectRefused(Array(good.prefix(40)), CSDRT_ERR_TRUNCATED, ["too short"])
        expectRefused(Array(good.dropLast(100)), CSDRT_ERR_TRUNCATED, ["truncated"])
    }

    @Test func checksumMismatch() throws {
        var bytes = try layer.bundle().encode()
        bytes[bytes.count - 1] ^= 0x40  // the last CONSTANTS byte
        expectRefused(bytes, CSDRT_ERR_CHECKSUM, ["CONSTANTS"])
        var header = try layer.bundle().encode()
        header[20] = 1  // flags, without fixing the header CRC
        expectRefused(header, CSDRT_ERR_CHECKSUM, ["header"])
    }

    @Test func unknownVersionNamesBoth() throws {
        var bytes = try layer.bundle().encode()
        put32(&bytes, 8, 7)
        put32(&bytes, 36, crc32(bytes[0..<36]))
        expectRefused(bytes, CSDRT_ERR_VERSION, ["version 7", "version 1"])
    }

    @Test func badMagicAndPadding() throws {
        var bytes = try layer.bundle().encode()
        bytes[0] = 0x58
        expectRefused(bytes, CSDRT_ERR_MAGIC)
        expectRefused(try layer.bundle().encode() + [0], CSDRT_ERR_CONTAINER, ["padded"])
    }

    @Test func garbageManifest() throws {
        var b = try layer.bundle()
        b.manifest = Vtac_Bundle_Manifest()
        let bytes = try b.encode()
        expectRefused(bytes, CSDRT_ERR_MANIFEST)
    }

    // MARK: Hardware

    @Test func otherConfigurationNamesBoth() throws {
        let bytes = try encoded { $0.hardware = hardware(logBlock: 5) }
        expectRefused(bytes, CSDRT_ERR_HARDWARE, ["LOG_BLOCK 5x5", "LOG_BLOCK 4x4"])
    }

    @Test func otherProfileNamesBoth() throws {
        let bytes = try encoded { $0.hardware = hardware(profile: .extended) }
        expectRefused(bytes, CSDRT_ERR_HARDWARE, ["extended profile", "stock profile"])
        // And the other way round: an extended device refuses a stock bundle.
        var o = defaultOptions()
        o.hardware.profile = 1
        expectRefused(try layer.bundle().encode(), CSDRT_ERR_HARDWARE, ["bundle", "device"], options: o)
    }

    // MARK: Indices

    @Test func relocationIndexOutOfRange() throws {
        let bytes = try encoded { $0.segments[0].relocations.append(relocation(12, .activations, 0, 2)) }
        expectRefused(bytes, CSDRT_ERR_INDEX, ["instruction 12", "segment has 12"])
    }

    @Test func stepIndexOutOfRange() throws {
        expectRefused(try encoded { $0.steps.append(segmentStep(1)) }, CSDRT_ERR_INDEX, ["segment 1"])
        expectRefused(
            try encoded { $0.steps.append(kernelStep(0)) }, CSDRT_ERR_INDEX, ["kernel 0", "0 kernels"])
    }

    @Test func layerIndexOutOfRange() throws {
        expectRefused(try encoded { $0.layers[0].instructionEnd = 13 }, CSDRT_ERR_INDEX, ["layer 0"])
    }

    @Test func segmentOutsideInstructions() throws {
        expectRefused(
            try encoded { $0.segments[0].instructionCount = 13 }, CSDRT_ERR_SEGMENT, ["outside INSTRUCTIONS"])
        expectRefused(try encoded { $0.segments[0].index = 3 }, CSDRT_ERR_INDEX)
    }

    // MARK: Relocations

    @Test func relocationOntoAnotherMemoryType() throws {
        // Instruction 2 is LOAD INP; the relocation claims WGT.
        let bytes = try encoded { $0.segments[0].relocations[2] = relocation(2, .constants, 0, 1) }
        expectRefused(bytes, CSDRT_ERR_RELOCATION, ["WGT", "LOAD INP"])
    }

    @Test func relocationOntoAComputeInstruction() throws {
        let bytes = try encoded { $0.segments[0].relocations.append(relocation(3, .activations, 0, 2)) }
        expectRefused(bytes, CSDRT_ERR_RELOCATION, ["not a LOAD or STORE"])
    }

    @Test func relocationIntoAForbiddenRegion() throws {
        // A STORE into CONSTANTS: the region does not allow OUT.
        let bytes = try encoded { $0.segments[0].relocations[3] = relocation(8, .constants, 0, 4) }
        expectRefused(bytes, CSDRT_ERR_RELOCATION, ["OUT", "CONSTANTS"])
    }

    // MARK: Tensors, records, fills

    @Test func tensorOutsideItsRegion() throws {
        let bytes = try encoded { m in
            m.steps[0] = copyStep(
                layer.hostInput, tensor(.activations, 300, [1, 2, 2, 16], packed: true, halo: 1), "x")
        }
        expectRefused(bytes, CSDRT_ERR_TENSOR, ["outside region ACTIVATIONS"])
        // The halo counts: at 256, 1x2x2x16 fits with a halo of 1 (256 bytes) but not of 2 (6x6x16).
        let halo = try encoded { m in
            m.steps[0] = copyStep(
                layer.hostInput, tensor(.activations, 256, [1, 2, 2, 16], packed: true, halo: 2), "x")
        }
        expectRefused(halo, CSDRT_ERR_TENSOR, ["576 bytes"])
    }

    @Test func constantsAreReadOnly() throws {
        let bytes = try encoded { m in
            m.steps[2] = copyStep(
                layer.deviceOutput, tensor(.constants, 0, [1, 2, 2, 16]), "overwrite_weights")
        }
        expectRefused(bytes, CSDRT_ERR_TENSOR, ["CONSTANTS, which nothing writes"])
    }

    @Test func recordSizesMustMatchTheTensors() throws {
        expectRefused(try encoded { $0.inputRecordSize = 65 }, CSDRT_ERR_RECORD)
        expectRefused(try encoded { $0.outputs[0].size = 32 }, CSDRT_ERR_RECORD)
    }

    @Test func fillOutsideItsRegion() throws {
        expectRefused(try encoded { $0.fills.append(fill(.activations, 500, 13, 1)) }, CSDRT_ERR_FILL)
        expectRefused(try encoded { $0.fills.append(fill(.activations, 0, 1, 256)) }, CSDRT_ERR_FILL)
    }

    @Test func limitsOfTheDevice() throws {
        expectRefused(try encoded { $0.memory.activationsSize = 1 << 40 }, CSDRT_ERR_LIMIT)
        expectRefused(try encoded { $0.memory.alignment = 100 }, CSDRT_ERR_MANIFEST, ["alignment"])
    }

    // MARK: The verifier

    @Test func streamTheVerifierRefuses() throws {
        // A shift of 20 is outside the stock HLS design's -16...15.
        var shifted = layer
        shifted.aluShift = 20
        let bytes = try layer.bundle(listing: shifted.listing).encode()
        expectRefused(bytes, CSDRT_ERR_VERIFY, ["segment 0", "alu.shift-range"])
    }

    @Test func relocationPastTheRegionEnd() throws {
        // The first element is inside ACTIVATIONS, the 16-element LOAD runs past its end.
        let bytes = try encoded { $0.segments[0].relocations[2] = relocation(2, .activations, 20, 2) }
        expectRefused(bytes, CSDRT_ERR_VERIFY, ["dram.outside-region"])
    }

    // MARK: Inference arguments

    @Test func inputShorterThanOneRecord() throws {
        let opened = openBundle(try layer.bundle().encode())
        let bundle = try #require(opened.bundle)
        let run = bundle.infer([UInt8](repeating: 0, count: 63))
        #expect(run.status == CSDRT_ERR_INPUT)
        #expect(run.message.contains("less than one record"))
        let short = bundle.infer([UInt8](repeating: 0, count: 64), outputSize: 10)
        #expect(short.status == CSDRT_ERR_OUTPUT)
    }

    @Test func cpuWorkLimit() throws {
        var o = defaultOptions()
        o.max_cpu_ops = 10
        expectRefused(try layer.bundle().encode(), CSDRT_ERR_LIMIT, ["CPU operations"], options: o)
    }

    @Test func deviceRunFailureNamesTheStep() throws {
        // A device whose work budget is smaller than the segment's 96 uop executions.
        var config = VTASimConfig()
        VTASimDefaultConfig(&config)
        let device = try #require(VTASimDeviceAllocWithConfig(&config))
        defer { VTADeviceFree(device) }
        var simOptions = VTASimOptions()
        VTASimDefaultOptions(&simOptions)
        simOptions.max_uop_iters = 20
        #expect(VTASimSetOptions(device, &simOptions) == 0)
        var o = defaultOptions()
        o.device = device
        o.device_error = { VTASimLastError($0) }
        let opened = openBundle(try layer.bundle().encode(), options: o)
        let bundle = try #require(opened.bundle, "\(opened.message)")
        let run = bundle.infer([UInt8](repeating: 1, count: 64))
        #expect(run.status == CSDRT_ERR_DEVICE)
        #expect(
            run.message.hasPrefix("step 1 (run segment 0): VTADeviceRun failed with 1: "), "\(run.message)")
    }
}
