import Bundle
import Testing

/// The container format of BUNDLE_FORMAT.md: round trips, and every rule a reader enforces.
@Suite struct BundleContainerTests {
    func sample() throws -> [UInt8] {
        var manifest = Vtac_Bundle_Manifest()
        manifest.producer = "vtac"
        manifest.producerVersion = "test"
        manifest.hardware.targetName = "alkali"
        manifest.hardware.logBlockIn = 4
        var segment = Vtac_Bundle_Segment()
        segment.instructionCount = 2
        var relocation = Vtac_Bundle_Relocation()
        relocation.instruction = 1
        relocation.region = .constants
        relocation.elementOffset = 12
        relocation.memoryType = 1
        segment.relocations = [relocation]
        manifest.segments = [segment]
        return try CSDBundle(
            manifest: manifest, bpfELF: [0x7F, 0x45, 0x4C, 0x46],
            instructions: [UInt8](repeating: 3, count: 32),
            uops: [1, 2, 3, 4], constants: Array(0..<200)
        ).encode()
    }

    @Test func roundTrips() throws {
        let file = try sample()
        let bundle = try CSDBundle.decode(file, path: "b.csd")
        #expect(bundle.manifest.producer == "vtac")
        #expect(bundle.manifest.segments[0].relocations[0].elementOffset == 12)
        #expect(bundle.constants == Array(0..<200))
        #expect(bundle.uops == [1, 2, 3, 4])
        #expect(try bundle.encode() == file)
    }

    @Test func layoutFollowsTheSpec() throws {
        let file = try sample()
        #expect(Array(file[0..<8]) == Array("VTACCSD".utf8) + [0])
        #expect(file[8] == 1)  // format version
        #expect(file[16] == 5)  // five sections
        // CRC-32 of "123456789" is the standard check value 0xCBF43926.
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        // Data sections start on 4 KiB boundaries.
        for i in 0..<5 {
            let entry = 64 + 32 * i
            let kind = file[entry]
            let offset = (0..<8).reduce(0) { $0 | Int(file[entry + 8 + $1]) << (8 * $1) }
            if kind >= 3 { #expect(offset % 4096 == 0) }
        }
    }

    func refusal(_ file: [UInt8]) -> String {
        do {
            _ = try CSDBundle.decode(file, path: "x.csd")
            return "accepted"
        } catch {
            #expect(error.description.hasPrefix("x.csd: "))
            return error.problem
        }
    }

    @Test func refusesEveryKindOfDamage() throws {
        let good = try sample()
        #expect(refusal([]).contains("too short"))
        #expect(refusal(Array(good.prefix(40))).contains("too short"))
        var magic = good
        magic[0] = 0x41
        #expect(refusal(magic).contains("bad magic"))
        var version = good
        version[8] = 9
        #expect(refusal(version).contains("version 9 is not supported"))
        #expect(refusal(Array(good.dropLast())).contains("truncated"))
        var header = good
        header[20] = 1  // flags: covered by the header checksum
        #expect(refusal(header).contains("header checksum"))
        var payload = good
        payload[payload.count - 1] ^= 0xFF
        #expect(refusal(payload).contains("checksum mismatch"))
    }

    /// Flipping any single byte of a bundle is always detected: checksums cover the header,
    /// the table and every section, and padding and reserved bytes must be zero.
    @Test func everySingleByteFlipIsRefused() throws {
        let good = try sample()
        // Every byte of the header and table, every fifth byte after (padding and data).
        let positions = Array(0..<(64 + 5 * 32)) + Array(stride(from: 64 + 5 * 32, to: good.count, by: 5))
        for i in positions {
            var bad = good
            bad[i] ^= 0x5A
            #expect(refusal(bad) != "accepted", "flipping byte \(i) went unnoticed")
        }
    }
}
