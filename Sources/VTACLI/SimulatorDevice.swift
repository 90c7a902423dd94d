import CVTASim
import Foundation
import VTATarget

/// The reference simulator for one target: a device with the target's configuration and
/// profile, and the buffers placed in its physical address space. Frees everything on deinit.
final class SimulatorDevice {
    let handle: UnsafeMutableRawPointer
    private var buffers: [UnsafeMutableRawPointer] = []

    struct Failure: Error, CustomStringConvertible {
        var code: Int32
        var message: String
        var description: String { message }
    }

    init(target: Target, poison: Bool = false, eager: Bool = false) throws {
        var config = DeviceConfigs.simulator(target.config, extended: target.profile == .extended)
        var why = [CChar](repeating: 0, count: 256)
        guard VTASimCheckConfig(&config, &why, why.count) == 0 else {
            throw Failure(
                code: VTA_SIM_ERR_ARG,
                message: "the simulator refuses target \(target.name): \(Self.text(why))")
        }
        guard let device = VTASimDeviceAllocWithConfig(&config) else {
            throw Failure(code: VTA_SIM_ERR_NOMEM, message: "cannot allocate a simulated device")
        }
        handle = device
        var options = VTASimOptions()
        VTASimDefaultOptions(&options)
        if poison { options.sram_init = VTA_SIM_SRAM_POISON }
        if eager { options.schedule = VTA_SIM_SCHED_EAGER }
        VTASimSetOptions(handle, &options)
    }

    /// A NUL-terminated C buffer as a String.
    static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    deinit {
        for buffer in buffers { VTAMemFree(buffer) }
        VTADeviceFree(handle)
    }

    /// Places `bytes` at physical address `address` (or anywhere when nil); returns the address.
    func place(_ bytes: [UInt8], at address: UInt32?, name: String) throws -> UInt32 {
        let size = max(bytes.count, 1)
        let pointer: UnsafeMutableRawPointer?
        if let address {
            pointer = VTASimMemAllocAt(size, address)
        } else {
            pointer = VTAMemAlloc(size, 0)
        }
        guard let pointer else {
            let where_ = address.map { " at 0x" + String($0, radix: 16) } ?? ""
            throw Failure(
                code: VTA_SIM_ERR_NOMEM,
                message:
                    "cannot place \(name) (\(bytes.count) bytes)\(where_): it overlaps another buffer or is misaligned"
            )
        }
        buffers.append(pointer)
        bytes.withUnsafeBytes { VTAMemCopyFromHost(pointer, $0.baseAddress!, bytes.count) }
        return VTAMemGetPhyAddr(pointer)
    }

    /// Reads `length` bytes at a physical address after a run; the range must lie inside one
    /// buffer.
    func read(at address: UInt32, length: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: length)
        guard length > 0 else { return out }
        let (last, overflow) = address.addingReportingOverflow(UInt32(clamping: length - 1))
        guard !overflow, let first = VTASimPhyToVirt(address), let end = VTASimPhyToVirt(last),
            end - first == length - 1
        else {
            throw Failure(
                code: VTA_SIM_ERR_DMA,
                message:
                    "\(length) bytes at 0x\(String(address, radix: 16)) do not lie inside one simulated buffer"
            )
        }
        out.withUnsafeMutableBytes { VTAMemCopyToHost($0.baseAddress!, first, length) }
        return out
    }

    /// Runs `count` instructions at `address`; throws with the simulator's message on failure.
    func run(instructionsAt address: UInt32, count: Int) throws {
        let status = VTADeviceRun(handle, address, UInt32(count), 0)
        if status != 0 {
            throw Failure(
                code: VTASimLastErrorCode(handle), message: String(cString: VTASimLastError(handle)))
        }
    }

    var counters: VTASimCounters {
        var counters = VTASimCounters()
        VTASimGetCounters(handle, &counters)
        return counters
    }
}
