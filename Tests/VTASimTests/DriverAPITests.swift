// The driver API as a runtime uses it: argument-less device allocation, physical addresses,
// copies, cache maintenance; and the simulator's memory extensions.
import CVTASim
import Testing

@Suite struct DriverAPITests {
    // The only test that touches the process-wide "next config" (documented as not thread-safe):
    // every other test allocates devices with an explicit configuration.
    @Test func deviceAllocUsesTheNextConfig() throws {
        var c = VTASimConfig()
        let dev = try #require(VTADeviceAlloc())
        VTASimDeviceGetConfig(dev, &c)
        #expect(c.LOG_BLOCK_IN == 4 && c.LOG_ACC_BUFF_SIZE == 17 && c.profile == VTA_SIM_PROFILE_STOCK)
        VTADeviceFree(dev)

        var cloud = VTASimConfig.cloud.extended
        #expect(VTASimSetNextConfig(&cloud) == 0)
        let dev2 = try #require(VTADeviceAlloc())
        VTASimDeviceGetConfig(dev2, &c)
        #expect(c.LOG_BLOCK_OUT == 5 && c.profile == VTA_SIM_PROFILE_EXTENDED)
        VTADeviceFree(dev2)

        var invalid = VTASimConfig.pynq
        invalid.LOG_UOP_BUFF_SIZE = 30
        #expect(VTASimSetNextConfig(&invalid) != 0)  // rejected, setting unchanged
        VTASimGetNextConfig(&c)
        #expect(c.LOG_BLOCK_OUT == 5)
        #expect(VTASimSetNextConfig(nil) == 0)
        VTASimGetNextConfig(&c)
        #expect(c.LOG_BLOCK_OUT == 4)
        VTADeviceFree(nil)
    }

    @Test func physicalAddressesAreStableNonzeroAndTranslated() throws {
        let a = try #require(VTAMemAlloc(100, Int32(VTA_NOT_CACHED)))
        let b = try #require(VTAMemAlloc(5000, Int32(VTA_CACHED)))
        defer {
            VTAMemFree(a)
            VTAMemFree(b)
        }
        let pa = VTAMemGetPhyAddr(a)
        let pb = VTAMemGetPhyAddr(b)
        #expect(pa != 0 && pb != 0 && pa != pb)
        #expect(VTAMemGetPhyAddr(a) == pa)
        #expect(VTAMemGetPhyAddr(b + 17) == pb + 17)  // interior pointers translate too
        #expect(VTASimPhyToVirt(pb + 4999) == b + 4999)
        #expect(VTASimPhyToVirt(pb + 5000) == nil)  // one past the end is not memory
        // Buffers are zeroed, copies go both ways, cache calls are harmless.
        let bytes: [UInt8] = (0..<100).map { UInt8($0) }
        VTAMemCopyFromHost(a, bytes, 100)
        VTAFlushCache(a, pa, 100)
        var back = [UInt8](repeating: 0, count: 100)
        VTAInvalidateCache(a, pa, 100)
        back.withUnsafeMutableBytes { VTAMemCopyToHost($0.baseAddress, a, 100) }
        #expect(back == bytes)
        #expect(b.load(fromByteOffset: 4000, as: UInt8.self) == 0)
        // Unknown pointers are ignored, never freed.
        var local = 0
        withUnsafeMutablePointer(to: &local) { p in
            VTAMemFree(p)
            #expect(VTAMemGetPhyAddr(p) == 0)
        }
        VTAMemFree(nil)
    }

    @Test func allocationAtAChosenAddress() throws {
        // Low addresses are left to such placements (automatic ones start at 0x10000000).
        let base: UInt32 = 0x0020_0000
        let img = try #require(VTASimMemAllocAt(0x3000, base))
        #expect(VTAMemGetPhyAddr(img) == base)
        #expect(VTASimPhyToVirt(base + 0x2FFF) == img + 0x2FFF)
        #expect(VTASimMemAllocAt(16, base + 0x1000) == nil)  // overlaps
        #expect(VTASimMemAllocAt(16, 0) == nil)  // 0 is never a valid address
        #expect(VTASimMemAllocAt(0x2000, 0xFFFF_F000) == nil)  // leaves the 32-bit space
        let next = try #require(VTASimMemAllocAt(16, base + 0x3000))  // adjacent is fine
        VTAMemFree(next)
        VTAMemFree(img)
        #expect(VTASimPhyToVirt(base) == nil)
        let again = try #require(VTASimMemAllocAt(0x3000, base))  // reusable once freed
        VTAMemFree(again)
    }

    @Test func streamAtAFixedAddressRuns() throws {
        // A tool places an instruction image at a fixed base and runs it through the driver API.
        let sim = try Sim()
        let e = sim.enc
        let words = [e.gemm(Encoder.Loops(uops: 0..<0)), e.finish()].flatMap(\.bytes)
        let base: UInt32 = 0x0030_0000
        let img = try #require(VTASimMemAllocAt(words.count, base))
        defer { VTAMemFree(img) }
        VTAMemCopyFromHost(img, words, words.count)
        #expect(VTADeviceRun(sim.dev, base, 2, 0) == 0)
        #expect(sim.error.isEmpty && sim.errorCode == VTA_SIM_OK)
        #expect(sim.counters.bytes_insn == 32 && sim.counters.gemm == 1 && sim.counters.finish == 1)
    }

    @Test func sramReadBackChecksItsRange() throws {
        let sim = try Sim()
        #expect(sim.sram(VTA_SIM_MEM_ACC, sim.geo.accDepth - 1, count: 1, as: Int32.self) != nil)
        #expect(sim.sram(VTA_SIM_MEM_ACC, sim.geo.accDepth, count: 1, as: Int32.self) == nil)
        #expect(sim.sram(VTA_SIM_MEM_ACC_8BIT, 0, count: 1, as: Int8.self) == nil)
        var o = VTASimOptions()
        VTASimDefaultOptions(&o)
        o.schedule = 9
        #expect(VTASimSetOptions(sim.dev, &o) != 0)
    }
}
