import CEBPF
import Foundation

/// Where the eBPF test objects live: `Tests/Fixtures/ebpf` of the repository, found from this
/// file's path (the repository root is three levels up).
enum EBPFFixtures {
    static let directory: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Tests/Fixtures/ebpf")

    static func object(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: directory.appendingPathComponent(name + ".o")))
    }
}

/// One eBPF instruction slot, encoded as the device reads it.
struct Insn {
    var op: UInt8
    var dst: UInt8 = 0
    var src: UInt8 = 0
    var off: Int16 = 0
    var imm: Int32 = 0

    var bytes: [UInt8] {
        let o = UInt16(bitPattern: off)
        let i = UInt32(bitPattern: imm)
        return [
            op, (src << 4) | (dst & 0x0f), UInt8(o & 0xff), UInt8(o >> 8),
            UInt8(i & 0xff), UInt8((i >> 8) & 0xff), UInt8((i >> 16) & 0xff), UInt8(i >> 24),
        ]
    }
}

/// A tiny assembler: each function returns the slots of one instruction.
enum Asm {
    enum ALU: UInt8, CaseIterable {
        case add = 0x00, sub = 0x10, mul = 0x20, div = 0x30, or = 0x40, and = 0x50, lsh = 0x60
        case rsh = 0x70, neg = 0x80, mod = 0x90, xor = 0xa0, mov = 0xb0, arsh = 0xc0
    }

    enum Jump: UInt8, CaseIterable {
        case jeq = 0x10, jgt = 0x20, jge = 0x30, jset = 0x40, jne = 0x50, jsgt = 0x60, jsge = 0x70
        case jlt = 0xa0, jle = 0xb0, jslt = 0xc0, jsle = 0xd0
    }

    enum Size: UInt8, CaseIterable {
        case w = 0x00, h = 0x08, b = 0x10, dw = 0x18
        var bytes: Int { [4, 2, 1, 8][Int(rawValue >> 3)] }
    }

    static func alu(_ op: ALU, is64: Bool, _ dst: UInt8, imm: Int32) -> [Insn] {
        [Insn(op: op.rawValue | (is64 ? 0x07 : 0x04), dst: dst, imm: imm)]
    }
    static func alu(_ op: ALU, is64: Bool, _ dst: UInt8, reg src: UInt8) -> [Insn] {
        [Insn(op: op.rawValue | (is64 ? 0x07 : 0x04) | 0x08, dst: dst, src: src)]
    }
    static func mov(_ dst: UInt8, _ imm: Int32) -> [Insn] { alu(.mov, is64: true, dst, imm: imm) }
    static func mov(_ dst: UInt8, reg src: UInt8) -> [Insn] { alu(.mov, is64: true, dst, reg: src) }
    static func add(_ dst: UInt8, _ imm: Int32) -> [Insn] { alu(.add, is64: true, dst, imm: imm) }
    static func le(_ dst: UInt8, _ bits: Int32) -> [Insn] { [Insn(op: 0xd4, dst: dst, imm: bits)] }
    static func be(_ dst: UInt8, _ bits: Int32) -> [Insn] { [Insn(op: 0xdc, dst: dst, imm: bits)] }

    static func lddw(_ dst: UInt8, _ value: UInt64) -> [Insn] {
        [
            Insn(op: 0x18, dst: dst, imm: Int32(bitPattern: UInt32(truncatingIfNeeded: value))),
            Insn(op: 0x00, imm: Int32(bitPattern: UInt32(truncatingIfNeeded: value >> 32))),
        ]
    }
    static func ldx(_ size: Size, _ dst: UInt8, _ src: UInt8, _ off: Int16) -> [Insn] {
        [Insn(op: 0x61 | size.rawValue, dst: dst, src: src, off: off)]
    }
    static func st(_ size: Size, _ dst: UInt8, _ off: Int16, imm: Int32) -> [Insn] {
        [Insn(op: 0x62 | size.rawValue, dst: dst, off: off, imm: imm)]
    }
    static func stx(_ size: Size, _ dst: UInt8, _ off: Int16, _ src: UInt8) -> [Insn] {
        [Insn(op: 0x63 | size.rawValue, dst: dst, src: src, off: off)]
    }
    static func jump(_ op: Jump, _ dst: UInt8, imm: Int32, _ off: Int16) -> [Insn] {
        [Insn(op: op.rawValue | 0x05, dst: dst, off: off, imm: imm)]
    }
    static func jump(_ op: Jump, _ dst: UInt8, reg src: UInt8, _ off: Int16) -> [Insn] {
        [Insn(op: op.rawValue | 0x0d, dst: dst, src: src, off: off)]
    }
    static func ja(_ off: Int16) -> [Insn] { [Insn(op: 0x05, off: off)] }
    static func call(_ index: Int32) -> [Insn] { [Insn(op: 0x85, imm: index)] }
    static func exit() -> [Insn] { [Insn(op: 0x95)] }

    static func bytes(_ program: [[Insn]]) -> [UInt8] { program.flatMap { $0.flatMap(\.bytes) } }
}

/// The result of a load or a run: the status, its message, and for runs r0.
struct Outcome {
    var status: ebpf_status
    var message: String
    var r0: UInt64 = 0

    var ok: Bool { status == EBPF_OK }
}

/// Owns an `ebpf_vm` and records what helpers saw. Helpers find it through
/// `ebpf_current_vm()` and the VM's user pointer, as the runtime's helpers will.
final class TestVM {
    let raw: OpaquePointer
    var helperCalls: [[UInt64]] = []
    var printed: [String] = []
    /// 32 bytes a helper hands to the program (see `Helpers.map`).
    let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 32, alignment: 8)
    var scratchReadOnly = false

    init(flavor: ebpf_flavor = EBPF_FLAVOR_ALKALI) {
        raw = ebpf_vm_create()
        scratch.initializeMemory(as: UInt8.self, repeating: 0)
        ebpf_vm_set_user(raw, Unmanaged.passUnretained(self).toOpaque())
        _ = ebpf_vm_set_flavor(raw, flavor)
    }

    deinit {
        ebpf_vm_destroy(raw)
        scratch.deallocate()
    }

    /// The VM whose program is calling the helper that calls this.
    static var current: TestVM {
        Unmanaged<TestVM>.fromOpaque(ebpf_vm_user(ebpf_current_vm())!).takeUnretainedValue()
    }

    @discardableResult
    func register(_ index: UInt32, _ name: String, _ fn: ebpf_helper_fn) -> ebpf_status {
        ebpf_vm_register_helper(raw, index, name, fn)
    }

    /// Registers the standard test helpers: 1 print, 7 report, 9 map, 10 unmap, 11 stop.
    func registerTestHelpers() {
        register(1, "print", Helpers.print)
        register(7, "report", Helpers.record)
        register(9, "map", Helpers.map)
        register(10, "unmap", Helpers.unmap)
        register(11, "stop", Helpers.stop)
    }

    func loadELF(_ bytes: [UInt8]) -> Outcome {
        var err = [CChar](repeating: 0, count: 512)
        let status = ebpf_vm_load_elf(raw, bytes, bytes.count, &err, err.count)
        return Outcome(status: status, message: cString(err))
    }

    func loadCode(_ program: [[Insn]]) -> Outcome { loadCode(bytes: Asm.bytes(program)) }

    func loadCode(bytes: [UInt8]) -> Outcome {
        var err = [CChar](repeating: 0, count: 512)
        let status = ebpf_vm_load_code(raw, bytes, bytes.count, &err, err.count)
        return Outcome(status: status, message: cString(err))
    }

    func run(input: inout [UInt8], output: inout [UInt8], budget: UInt64 = 100_000) -> Outcome {
        var err = [CChar](repeating: 0, count: 512)
        var r0: UInt64 = 0
        let inCount = input.count
        let outCount = output.count
        let status = input.withUnsafeMutableBytes { inp in
            output.withUnsafeMutableBytes { outp in
                ebpf_vm_run(
                    raw, inp.baseAddress, inCount, outp.baseAddress, outCount, budget, &r0, &err,
                    err.count)
            }
        }
        return Outcome(status: status, message: cString(err), r0: r0)
    }

    /// Runs with an 8-byte input and output.
    func run(budget: UInt64 = 100_000) -> Outcome {
        var input = [UInt8](repeating: 0, count: 8)
        var output = [UInt8](repeating: 0, count: 8)
        return run(input: &input, output: &output, budget: budget)
    }

    func disassemble(_ pc: Int) -> String {
        var buf = [CChar](repeating: 0, count: 128)
        _ = ebpf_vm_disasm(raw, pc, &buf, buf.count)
        return cString(buf)
    }
}

/// Test helpers: C function pointers without captures that reach their state through the VM.
enum Helpers {
    /// Records its five arguments, returns r1 + r2.
    static let record: ebpf_helper_fn = { a, b, c, d, e in
        TestVM.current.helperCalls.append([a, b, c, d, e])
        return a &+ b
    }

    /// Reads a NUL-terminated string at r1 (the program's pointer, trusted here).
    static let print: ebpf_helper_fn = { a, _, _, _, _ in
        let text = String(cString: UnsafePointer<CChar>(bitPattern: UInt(a))!)
        TestVM.current.printed.append(text)
        return 0
    }

    /// Hands the VM's scratch buffer to the program as a region; returns its address.
    static let map: ebpf_helper_fn = { _, _, _, _, _ in
        let vm = TestVM.current
        let perms = vm.scratchReadOnly ? EBPF_REGION_READ : EBPF_REGION_READ | EBPF_REGION_WRITE
        _ = ebpf_vm_add_region(vm.raw, vm.scratch.baseAddress, vm.scratch.count, perms, "scratch")
        return UInt64(UInt(bitPattern: vm.scratch.baseAddress))
    }

    /// Takes the scratch region back.
    static let unmap: ebpf_helper_fn = { _, _, _, _, _ in
        let vm = TestVM.current
        return UInt64(ebpf_vm_remove_region(vm.raw, vm.scratch.baseAddress).rawValue)
    }

    /// Asks the VM to stop.
    static let stop: ebpf_helper_fn = { a, _, _, _, _ in
        _ = ebpf_vm_stop(ebpf_current_vm(), "the model needs \(a) bytes more")
        return 0
    }
}

/// The NUL-terminated text a C function wrote into `buffer`.
func cString(_ buffer: [CChar]) -> String {
    buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
}
