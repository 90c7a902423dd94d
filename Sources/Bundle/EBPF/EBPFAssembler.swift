// The eBPF assembler: a sequence of typed instructions and labels in, the encoded slots and
// the helper calls to relocate out. It refuses every program the Alkali loader would refuse
// (or would run differently from what the instructions say), so an assembled program always
// loads on the drive.

/// Why a program cannot be assembled. The messages name the instruction (its index in the
/// program, counting lddw once) and say what to change.
public enum EBPFAssemblyError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A program with no instruction.
    case emptyProgram
    /// 65,536 slots or more: the drive's program counter is 16 bits.
    case tooManyInstructions(slots: Int)
    /// The same label bound twice.
    case duplicateLabel(String)
    /// A label with an empty name.
    case emptyLabel
    /// A jump to a label that is never bound.
    case undefinedLabel(String, instruction: Int)
    /// A jump whose offset does not fit the 16-bit offset field.
    case jumpOutOfRange(instruction: Int, target: String, offset: Int)
    /// A jump to a slot outside the program (e.g. a label after the last instruction).
    case jumpOutsideProgram(instruction: Int, targetSlot: Int, slots: Int)
    /// A jump to itself (offset -1), which the Alkali loader refuses as an infinite loop.
    case jumpToItself(instruction: Int)
    /// A raw jump offset that lands on the second slot of a lddw.
    case jumpIntoLoadImmediate(instruction: Int, targetSlot: Int)
    /// An access through r10 outside the 512-byte stack [r10 - 512, r10).
    case stackOutOfRange(instruction: Int, offset: Int, size: Int)
    /// r10 in a destination field other than a store's base (the loader refuses it).
    case framePointerAsDestination(instruction: Int)
    /// div or mod by the immediate 0 (the loader refuses it).
    case divisionByZero(instruction: Int)
    /// A shift by an immediate outside 0..<width (the Alkali VM and the eBPF standard differ).
    case shiftOutOfRange(instruction: Int, amount: Int32, width: Int)
    /// An unsigned ordered comparison (gt, ge, lt, le) with a negative immediate, which the
    /// Alkali VM zero-extends and the eBPF standard sign-extends.
    case ambiguousUnsignedComparison(instruction: Int, immediate: Int32)
    /// A byte swap of other than 16, 32 or 64 bits.
    case invalidByteSwapWidth(instruction: Int, bits: Int32)
    /// A helper name the loader cannot register or look up (empty, too long, a NUL byte).
    case invalidHelperName(instruction: Int, name: String)
    /// The last instruction is neither exit nor an unconditional jump.
    case missingExit

    public var description: String {
        switch self {
        case .emptyProgram:
            return "the program has no instruction"
        case .tooManyInstructions(let slots):
            return "the program has \(slots) instruction slots; the drive's 16-bit program counter "
                + "allows at most \(EBPFLimits.maxSlots)"
        case .duplicateLabel(let name):
            return "label '\(name)' is defined twice"
        case .emptyLabel:
            return "a label has an empty name"
        case .undefinedLabel(let name, let i):
            return "instruction \(i) jumps to label '\(name)', which is never defined"
        case .jumpOutOfRange(let i, let target, let offset):
            return "instruction \(i) jumps to \(target), \(offset) slots away; a jump reaches "
                + "at most \(Int16.min)...\(Int16.max) slots (the offset field is 16 bits)"
        case .jumpOutsideProgram(let i, let target, let slots):
            return "instruction \(i) jumps to slot \(target), outside the program (slots 0..<\(slots)); "
                + "a label after the last instruction needs an instruction to land on"
        case .jumpToItself(let i):
            return "instruction \(i) jumps to itself (offset -1), which the Alkali loader refuses "
                + "as an infinite loop"
        case .jumpIntoLoadImmediate(let i, let target):
            return "instruction \(i) jumps to slot \(target), the second half of a 64-bit "
                + "immediate load"
        case .stackOutOfRange(let i, let offset, let size):
            return "instruction \(i) accesses \(size) bytes at r10\(offset < 0 ? "" : "+")\(offset), "
                + "outside the \(EBPFLimits.stackSize)-byte stack (r10-\(EBPFLimits.stackSize) up to r10)"
        case .framePointerAsDestination(let i):
            return "instruction \(i) writes or compares r10 in its destination field; r10 (the frame "
                + "pointer) is read-only and may only be a source or a store's base"
        case .divisionByZero(let i):
            return "instruction \(i) divides by the immediate 0, which the loader refuses"
        case .shiftOutOfRange(let i, let amount, let width):
            return "instruction \(i) shifts a \(width)-bit value by \(amount); the Alkali VM and the "
                + "eBPF standard disagree on shifts outside 0..<\(width)"
        case .ambiguousUnsignedComparison(let i, let imm):
            return "instruction \(i) compares unsigned with the negative immediate \(imm): the Alkali "
                + "VM zero-extends it to 64 bits where the eBPF standard sign-extends it; compare "
                + "with a register holding the intended 64-bit value"
        case .invalidByteSwapWidth(let i, let bits):
            return "instruction \(i) swaps \(bits) bits; only 16, 32 and 64 are valid"
        case .invalidHelperName(let i, let name):
            return "instruction \(i) calls helper '\(name)': a helper name is 1 to "
                + "\(EBPFLimits.maxHelperNameLength) characters without NUL"
        case .missingExit:
            return "the last instruction is not exit or an unconditional jump: execution could run "
                + "past the end of the code"
        }
    }
}

/// The Alkali VM's limits (Sources/CEBPF/include/ebpf_vm.h).
public enum EBPFLimits {
    /// Most instruction slots of a program (the board's program counter is 16 bits).
    public static let maxSlots = 65_535
    /// Bytes of stack below r10.
    public static let stackSize = 512
    /// Longest helper name the VM registers.
    public static let maxHelperNameLength = 63
}

/// One item of a program's source: an instruction, or a label bound to the next instruction.
public enum EBPFAssemblyItem: Equatable, Sendable {
    case instruction(EBPFInstruction)
    case label(String)
}

/// A helper call to relocate: the call's slot and the helper's name.
public struct EBPFCallSite: Equatable, Sendable {
    public var slot: Int
    public var helper: String

    public init(slot: Int, helper: String) {
        self.slot = slot
        self.helper = helper
    }
}

/// An assembled program: slots ready to encode and the calls the ELF writer relocates.
public struct EBPFProgram: Equatable, Sendable {
    /// The encoded instruction slots (a lddw takes two).
    public let slots: [EBPFSlot]
    /// The helper calls in program order (clang's placeholder in the slots: src 1, imm -1).
    public let calls: [EBPFCallSite]
    /// Every label and the slot it is bound to.
    public let labels: [String: Int]
    /// Bytes of stack used: the deepest r10-relative access (0 if none). Accesses through a
    /// copy of r10 cannot be seen here; the VM still checks them when the program runs.
    public let stackSize: Int

    /// The `.text` bytes: every slot, little-endian.
    public var bytes: [UInt8] { slots.flatMap(\.bytes) }

    /// The helpers called, each once, in order of first call.
    public var helpers: [String] {
        var seen: Set<String> = []
        return calls.map(\.helper).filter { seen.insert($0).inserted }
    }
}

/// Collects instructions and labels, then assembles them.
///
///     var a = EBPFAssembler()
///     a.emit(.mov(.r0, 0))
///     a.label("done")
///     a.emit(.exit)
///     let program = try a.assemble()
public struct EBPFAssembler: Sendable {
    public private(set) var items: [EBPFAssemblyItem] = []

    public init(_ items: [EBPFAssemblyItem] = []) { self.items = items }

    public mutating func emit(_ instruction: EBPFInstruction) { items.append(.instruction(instruction)) }

    public mutating func emit(_ instructions: [EBPFInstruction]) {
        items += instructions.map { .instruction($0) }
    }

    /// Binds `name` to the next instruction emitted.
    public mutating func label(_ name: String) { items.append(.label(name)) }

    /// Resolves labels and encodes, or throws the first rule the program breaks.
    public func assemble() throws(EBPFAssemblyError) -> EBPFProgram {
        try EBPFAssembler.assemble(items)
    }

    public static func assemble(_ items: [EBPFAssemblyItem]) throws(EBPFAssemblyError) -> EBPFProgram {
        // Pass 1: the slot of every instruction and label.
        var labels: [String: Int] = [:]
        var placed: [(instruction: EBPFInstruction, slot: Int)] = []
        var slot = 0
        for item in items {
            switch item {
            case .label(let name):
                if name.isEmpty { throw .emptyLabel }
                if labels[name] != nil { throw .duplicateLabel(name) }
                labels[name] = slot
            case .instruction(let instruction):
                placed.append((instruction, slot))
                slot += instruction.slotCount
            }
        }
        if placed.isEmpty { throw .emptyProgram }
        if slot > EBPFLimits.maxSlots { throw .tooManyInstructions(slots: slot) }
        let slotCount = slot
        let lddwSecondSlots = Set(placed.filter { $0.instruction.slotCount == 2 }.map { $0.slot + 1 })

        // Pass 2: check and encode.
        var slots: [EBPFSlot] = []
        slots.reserveCapacity(slotCount)
        var calls: [EBPFCallSite] = []
        var stack = 0
        for (index, (instruction, at)) in placed.enumerated() {
            try check(instruction, index: index, stack: &stack)
            var offset: Int16 = 0
            if let target = instruction.jumpTarget {
                let (targetSlot, description): (Int, String)
                switch target {
                case .label(let name):
                    guard let bound = labels[name] else { throw .undefinedLabel(name, instruction: index) }
                    (targetSlot, description) = (bound, "label '\(name)'")
                case .offset(let raw):
                    (targetSlot, description) = (at + 1 + Int(raw), "offset \(raw)")
                }
                let distance = targetSlot - (at + 1)
                guard let encoded = Int16(exactly: distance) else {
                    throw .jumpOutOfRange(instruction: index, target: description, offset: distance)
                }
                if encoded == -1 { throw .jumpToItself(instruction: index) }
                if targetSlot < 0 || targetSlot >= slotCount {
                    throw .jumpOutsideProgram(instruction: index, targetSlot: targetSlot, slots: slotCount)
                }
                if lddwSecondSlots.contains(targetSlot) {
                    throw .jumpIntoLoadImmediate(instruction: index, targetSlot: targetSlot)
                }
                offset = encoded
            }
            if case .call(let name) = instruction { calls.append(EBPFCallSite(slot: at, helper: name)) }
            slots += instruction.encode(jumpOffset: offset)
        }
        switch placed.last!.instruction {
        case .exit, .jump: break
        default: throw .missingExit
        }
        return EBPFProgram(slots: slots, calls: calls, labels: labels, stackSize: stack)
    }

    /// The per-instruction rules; `stack` grows to the deepest r10-relative access.
    private static func check(
        _ instruction: EBPFInstruction, index: Int, stack: inout Int
    ) throws(EBPFAssemblyError) {
        func stackAccess(
            _ base: EBPFRegister, _ offset: Int16, _ size: EBPFMemorySize
        ) throws(EBPFAssemblyError) {
            guard base == .r10 else { return }
            let start = Int(offset)
            if start < -EBPFLimits.stackSize || start + size.bytes > 0 {
                throw .stackOutOfRange(instruction: index, offset: start, size: size.bytes)
            }
            stack = max(stack, -start)
        }
        switch instruction {
        case .alu(let op, let width, let dst, let source):
            if dst == .r10 { throw .framePointerAsDestination(instruction: index) }
            if case .immediate(let imm) = source {
                if (op == .div || op == .mod) && imm == 0 { throw .divisionByZero(instruction: index) }
                let bits = width == .bits64 ? 64 : 32
                if [.lsh, .rsh, .arsh].contains(op) && (imm < 0 || Int(imm) >= bits) {
                    throw .shiftOutOfRange(instruction: index, amount: imm, width: bits)
                }
            }
        case .neg(_, let dst):
            if dst == .r10 { throw .framePointerAsDestination(instruction: index) }
        case .byteSwap(_, let bits, let dst):
            if dst == .r10 { throw .framePointerAsDestination(instruction: index) }
            if ![16, 32, 64].contains(bits) { throw .invalidByteSwapWidth(instruction: index, bits: bits) }
        case .loadImmediate64(let dst, _):
            if dst == .r10 { throw .framePointerAsDestination(instruction: index) }
        case .load(let size, let dst, let base, let offset):
            if dst == .r10 { throw .framePointerAsDestination(instruction: index) }
            try stackAccess(base, offset, size)
        case .store(let size, let base, let offset, _), .storeImmediate(let size, let base, let offset, _):
            try stackAccess(base, offset, size)
        case .jumpIf(let condition, let dst, let source, _):
            if dst == .r10 { throw .framePointerAsDestination(instruction: index) }
            if case .immediate(let imm) = source, condition.isUnsignedOrdering, imm < 0 {
                throw .ambiguousUnsignedComparison(instruction: index, immediate: imm)
            }
        case .call(let name):
            if name.isEmpty || name.utf8.count > EBPFLimits.maxHelperNameLength || name.utf8.contains(0) {
                throw .invalidHelperName(instruction: index, name: name)
            }
        case .jump, .exit:
            break
        }
    }
}

extension EBPFInstruction {
    /// The target of a jump, nil for every other instruction.
    var jumpTarget: EBPFJumpTarget? {
        switch self {
        case .jump(let target), .jumpIf(_, _, _, let target): target
        default: nil
        }
    }
}
