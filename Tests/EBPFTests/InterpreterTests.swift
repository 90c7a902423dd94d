import CEBPF
import TestSupport
import Testing

/// What each ALU operation computes, written independently of the C code. nil: the run
/// stops with a division by zero.
func aluModel(
    _ op: Asm.ALU, is64: Bool, dst: UInt64, src: UInt64, srcIsReg: Bool, flavor: ebpf_flavor
) -> UInt64? {
    let alkali = flavor == EBPF_FLAVOR_ALKALI
    if alkali && srcIsReg && src == 0 && (op == .div || op == .mod) { return nil }
    if is64 {
        switch op {
        case .add: return dst &+ src
        case .sub: return dst &- src
        case .mul: return dst &* src
        case .div: return src == 0 ? 0 : dst / src
        case .or: return dst | src
        case .and: return dst & src
        case .lsh: return dst &<< (src & 63)
        case .rsh: return dst &>> (src & 63)
        case .neg: return 0 &- dst
        case .mod: return src == 0 ? dst : dst % src
        case .xor: return dst ^ src
        case .mov: return src
        case .arsh: return UInt64(bitPattern: Int64(bitPattern: dst) &>> Int64(src & 63))
        }
    }
    let a = UInt32(truncatingIfNeeded: dst)
    let b = UInt32(truncatingIfNeeded: src)
    let r: UInt32
    switch op {
    case .add: r = a &+ b
    case .sub: r = a &- b
    case .mul: r = a &* b
    case .div: r = b == 0 ? 0 : a / b
    case .or: r = a | b
    case .and: r = a & b
    case .lsh:
        // The Alkali VM shifts the whole 64-bit register, then keeps the low half.
        if alkali { return (dst &<< (src & 63)) & 0xffff_ffff }
        r = a &<< (b & 31)
    case .rsh: r = a &>> (b & 31)
    case .neg: r = 0 &- a
    case .mod: r = b == 0 ? a : a % b
    case .xor: r = a ^ b
    case .mov: r = b
    case .arsh: r = UInt32(bitPattern: Int32(bitPattern: a) &>> Int32(b & 31))
    }
    return UInt64(r)
}

/// Whether a conditional jump is taken. `b` is the register, or the immediate sign-extended.
func jumpModel(_ op: Asm.Jump, a: UInt64, b: UInt64, immediate: Bool, flavor: ebpf_flavor) -> Bool {
    // The Alkali VM compares unsigned against the immediate zero-extended.
    let u = immediate && flavor == EBPF_FLAVOR_ALKALI ? b & 0xffff_ffff : b
    let sa = Int64(bitPattern: a)
    let sb = Int64(bitPattern: b)
    switch op {
    case .jeq: return a == b
    case .jne: return a != b
    case .jset: return a & b != 0
    case .jgt: return a > u
    case .jge: return a >= u
    case .jlt: return a < u
    case .jle: return a <= u
    case .jsgt: return sa > sb
    case .jsge: return sa >= sb
    case .jslt: return sa < sb
    case .jsle: return sa <= sb
    }
}

@Suite struct InterpreterTests {
    static let flavors = [EBPF_FLAVOR_ALKALI, EBPF_FLAVOR_STANDARD]

    static let edgeValues: [UInt64] = [
        0, 1, 2, 31, 32, 33, 63, 64, 65, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff, 0x1_0000_0000,
        0x1_0000_0001, 0x7fff_ffff_ffff_ffff, 0x8000_0000_0000_0000, UInt64.max, UInt64.max - 1,
    ]

    /// Operand pairs: every pair of edge values and seeded random ones.
    static func operandPairs(seed: UInt64) -> [(UInt64, UInt64)] {
        var rng = SplitMix64(seed: seed)
        var pairs = edgeValues.flatMap { a in edgeValues.map { (a, $0) } }
        for _ in 0..<200 {
            let a = UInt64.random(in: 0...UInt64.max, using: &rng)
            var b = UInt64.random(in: 0...UInt64.max, using: &rng)
            if Bool.random(using: &rng) { b >>= UInt64.random(in: 0...63, using: &rng) }
            pairs.append((a, b))
        }
        return pairs
    }

    func runProgram(_ program: [[Insn]], flavor: ebpf_flavor = EBPF_FLAVOR_ALKALI) -> Outcome {
        let vm = TestVM(flavor: flavor)
        vm.registerTestHelpers()
        let load = vm.loadCode(program)
        guard load.ok else { return load }
        return vm.run()
    }

    @Test(arguments: flavors, Asm.ALU.allCases)
    func aluMatchesTheModel(flavor: ebpf_flavor, op: Asm.ALU) {
        for (index, (a, b)) in Self.operandPairs(seed: UInt64(op.rawValue) + 1).enumerated() {
            for is64 in [true, false] {
                // Register operand.
                if op != .neg {
                    let program = [
                        Asm.lddw(1, a), Asm.lddw(2, b), Asm.alu(op, is64: is64, 1, reg: 2),
                        Asm.mov(0, reg: 1),
                        Asm.exit(),
                    ]
                    let result = runProgram(program, flavor: flavor)
                    let expected = aluModel(op, is64: is64, dst: a, src: b, srcIsReg: true, flavor: flavor)
                    if let expected {
                        #expect(
                            result.ok && result.r0 == expected, "\(op) \(is64) \(a) \(b): \(result.message)")
                    } else {
                        #expect(result.status == EBPF_ERR_DIV_ZERO)
                    }
                }
                // Immediate operand (sign-extended to 64 bits); zero divisors are refused at load.
                let imm = Int32(truncatingIfNeeded: index.isMultiple(of: 2) ? b : b >> 32)
                if (op == .div || op == .mod) && imm == 0 { continue }
                let result = runProgram(
                    [Asm.lddw(1, a), Asm.alu(op, is64: is64, 1, imm: imm), Asm.mov(0, reg: 1), Asm.exit()],
                    flavor: flavor)
                let src = UInt64(bitPattern: Int64(imm))
                let expected = aluModel(op, is64: is64, dst: a, src: src, srcIsReg: false, flavor: flavor)
                #expect(
                    result.ok && result.r0 == expected, "\(op) \(is64) \(a) imm \(imm): \(result.message)")
            }
        }
    }

    @Test(arguments: flavors, Asm.Jump.allCases)
    func jumpsMatchTheModel(flavor: ebpf_flavor, op: Asm.Jump) {
        // r0 = 1 if the jump is taken, else 0.
        func program(_ jump: [Insn], _ a: UInt64, _ b: UInt64) -> [[Insn]] {
            [Asm.lddw(1, a), Asm.lddw(2, b), Asm.mov(0, 0), jump, Asm.ja(1), Asm.mov(0, 1), Asm.exit()]
        }
        var pairs = Self.operandPairs(seed: UInt64(op.rawValue) + 100)
        pairs += Self.edgeValues.map { ($0, $0) }
        for (index, (a, b)) in pairs.enumerated() {
            let byReg = runProgram(program(Asm.jump(op, 1, reg: 2, 1), a, b), flavor: flavor)
            let taken = jumpModel(op, a: a, b: b, immediate: false, flavor: flavor)
            #expect(byReg.ok && byReg.r0 == (taken ? 1 : 0), "\(op) r \(a) \(b): \(byReg.message)")

            let imm = Int32(truncatingIfNeeded: index.isMultiple(of: 2) ? b : a)
            let byImm = runProgram(program(Asm.jump(op, 1, imm: imm, 1), a, b), flavor: flavor)
            let immTaken = jumpModel(
                op, a: a, b: UInt64(bitPattern: Int64(imm)), immediate: true, flavor: flavor)
            #expect(byImm.ok && byImm.r0 == (immTaken ? 1 : 0), "\(op) imm \(a) \(imm): \(byImm.message)")
        }
    }

    @Test func unsignedJumpsAgainstNegativeImmediatesDependOnTheFlavor() {
        let program = [
            Asm.lddw(1, 0x1_0000_0000), Asm.mov(0, 0), Asm.jump(.jgt, 1, imm: -1, 1), Asm.exit(),
            Asm.mov(0, 1), Asm.exit(),
        ]
        #expect(runProgram(program, flavor: EBPF_FLAVOR_ALKALI).r0 == 1)  // > 0xffffffff
        #expect(runProgram(program, flavor: EBPF_FLAVOR_STANDARD).r0 == 0)  // > 0xffff...ffff
    }

    @Test func byteSwaps() {
        let value: UInt64 = 0x0123_4567_89ab_cdef
        let cases: [([Insn], UInt64)] = [
            (Asm.le(0, 16), 0xcdef), (Asm.le(0, 32), 0x89ab_cdef), (Asm.le(0, 64), value),
            (Asm.be(0, 16), 0xefcd), (Asm.be(0, 32), 0xefcd_ab89), (Asm.be(0, 64), 0xefcd_ab89_6745_2301),
        ]
        for (swap, expected) in cases {
            let result = runProgram([Asm.lddw(0, value), swap, Asm.exit()])
            #expect(result.ok && result.r0 == expected, "\(swap): \(result.message)")
        }
    }

    @Test func loadsSixtyFourBitConstants() {
        for value: UInt64 in [0, 1, 0xffff_ffff, 0x1_0000_0000, 0xfedc_ba98_7654_3210, UInt64.max] {
            #expect(runProgram([Asm.lddw(0, value), Asm.exit()]).r0 == value)
        }
        // mov64 sign-extends its immediate, mov32 zero-extends it.
        #expect(runProgram([Asm.mov(0, -2), Asm.exit()]).r0 == UInt64.max - 1)
        #expect(runProgram([Asm.alu(.mov, is64: false, 0, imm: -2), Asm.exit()]).r0 == 0xffff_fffe)
    }

    @Test func divisionByZeroStopsTheAlkaliVM() {
        for op: Asm.ALU in [.div, .mod] {
            for is64 in [true, false] {
                let result = runProgram([
                    Asm.mov(1, 7), Asm.mov(2, 0), Asm.alu(op, is64: is64, 1, reg: 2), Asm.exit(),
                ])
                #expect(result.status == EBPF_ERR_DIV_ZERO)
                #expect(result.message.contains("pc 2") && result.message.contains("division by zero"))
            }
        }
        // A 32-bit divisor whose low half is zero passes the fork's 64-bit zero test and
        // divides like the A53: quotient 0, remainder the dividend.
        let div = runProgram([
            Asm.mov(1, 7), Asm.lddw(2, 1 << 32), Asm.alu(.div, is64: false, 1, reg: 2), Asm.mov(0, reg: 1),
            Asm.exit(),
        ])
        #expect(div.ok && div.r0 == 0)
        let mod = runProgram([
            Asm.mov(1, 7), Asm.lddw(2, 1 << 32), Asm.alu(.mod, is64: false, 1, reg: 2), Asm.mov(0, reg: 1),
            Asm.exit(),
        ])
        #expect(mod.ok && mod.r0 == 7)
    }

    @Test func divisionByZeroInTheStandardFlavor() {
        let dividend: UInt64 = 0xaaaa_bbbb_cccc_dddd
        let cases: [(Asm.ALU, Bool, UInt64)] = [
            (.div, true, 0), (.mod, true, dividend), (.div, false, 0), (.mod, false, 0xcccc_dddd),
        ]
        for (op, is64, expected) in cases {
            let result = runProgram(
                [
                    Asm.lddw(1, dividend), Asm.mov(2, 0), Asm.alu(op, is64: is64, 1, reg: 2),
                    Asm.mov(0, reg: 1), Asm.exit(),
                ],
                flavor: EBPF_FLAVOR_STANDARD)
            #expect(result.ok && result.r0 == expected, "\(op) \(is64): \(result.message)")
        }
    }

    @Test func entryRegisters() {
        let vm = TestVM()
        let load = vm.loadCode([
            Asm.ldx(.b, 4, 1, 2), Asm.stx(.b, 2, 1, 4), Asm.st(.b, 1, 0, imm: 9), Asm.mov(0, reg: 3),
            Asm.exit(),
        ])
        #expect(load.ok)
        var input: [UInt8] = [1, 2, 3, 4, 5]
        var output = [UInt8](repeating: 0, count: 4)
        let result = vm.run(input: &input, output: &output)
        #expect(result.ok && result.r0 == 5)
        #expect(input == [9, 2, 3, 4, 5] && output == [0, 3, 0, 0])
    }

    @Test func stackArithmeticWithin512Bytes() {
        let result = runProgram([
            Asm.mov(1, reg: 10), Asm.add(1, -512), Asm.lddw(2, 0x1122_3344_5566_7788),
            Asm.stx(.dw, 1, 0, 2), Asm.st(.b, 10, -1, imm: 0x7f), Asm.ldx(.dw, 0, 1, 0),
            Asm.ldx(.b, 3, 10, -1), Asm.alu(.add, is64: true, 0, reg: 3), Asm.exit(),
        ])
        #expect(result.ok && result.r0 == 0x1122_3344_5566_7788 + 0x7f, "\(result.message)")
    }

    @Test func refusesOutOfBoundsAccesses() {
        let cases: [(Insn, String)] = [
            (Asm.ldx(.b, 0, 1, 8)[0], "1-byte read at address 0x"),
            (Asm.ldx(.b, 0, 1, 8)[0], "0 bytes past the end of the input buffer (8 bytes"),
            (Asm.ldx(.w, 0, 1, -1)[0], "1 byte before the start of the input buffer"),
            (Asm.stx(.w, 2, 6, 1)[0], "4-byte write"),
            (Asm.stx(.w, 2, 6, 1)[0], "2 bytes of it past the end of the output buffer"),
            (Asm.st(.dw, 10, -520, imm: 1)[0], "8 bytes before the start of the stack"),
            (Asm.ldx(.b, 0, 10, 0)[0], "0 bytes past the end of the stack"),
            (Asm.ldx(.dw, 0, 0, 0)[0], "not in the stack, the buffers"),
        ]
        for (access, words) in cases {
            let result = runProgram([[access], Asm.exit()])
            #expect(result.status == EBPF_ERR_OUT_OF_BOUNDS, "\(result.message)")
            #expect(result.message.contains("pc 0 ("), "\(result.message)")
            #expect(result.message.contains(words), "\(result.message)")
        }
    }

    @Test func helperRegions() {
        let vm = TestVM()
        vm.registerTestHelpers()
        let load = vm.loadCode([
            Asm.call(9), Asm.mov(6, reg: 0), Asm.lddw(1, 0xdead_beef), Asm.stx(.dw, 6, 8, 1),
            Asm.ldx(.w, 0, 6, 8), Asm.exit(),
        ])
        #expect(load.ok)
        let result = vm.run()
        #expect(result.ok && result.r0 == 0xdead_beef, "\(result.message)")
        #expect(vm.scratch.load(fromByteOffset: 8, as: UInt64.self) == 0xdead_beef)

        // Read-only regions refuse writes.
        vm.scratchReadOnly = true
        let readOnly = vm.run()
        #expect(readOnly.status == EBPF_ERR_OUT_OF_BOUNDS)
        #expect(
            readOnly.message.contains("pc 4 (stxdw [r6+8], r1)")
                && readOnly.message.contains("scratch is read-only"))
    }

    @Test func helperRegionsEndWithTheRunOrWhenRemoved() {
        let vm = TestVM()
        vm.registerTestHelpers()
        let address = UInt64(UInt(bitPattern: vm.scratch.baseAddress))
        #expect(vm.loadCode([Asm.lddw(1, address), Asm.ldx(.b, 0, 1, 0), Asm.exit()]).ok)
        #expect(vm.run().status == EBPF_ERR_OUT_OF_BOUNDS)
        // Added outside a run: valid for the next run only.
        #expect(
            ebpf_vm_add_region(vm.raw, vm.scratch.baseAddress, 32, EBPF_REGION_READ, "scratch") == EBPF_OK)
        #expect(vm.run().ok)
        #expect(vm.run().status == EBPF_ERR_OUT_OF_BOUNDS)

        let unmapped = TestVM()
        unmapped.registerTestHelpers()
        #expect(
            unmapped.loadCode([
                Asm.call(9), Asm.mov(6, reg: 0), Asm.call(10), Asm.ldx(.b, 0, 6, 0), Asm.exit(),
            ]).ok)
        let result = unmapped.run()
        #expect(result.status == EBPF_ERR_OUT_OF_BOUNDS && result.message.contains("pc 3"))
    }

    @Test func helpersGetFiveArgumentsAndReturnR0() {
        let vm = TestVM()
        vm.registerTestHelpers()
        #expect(
            vm.loadCode([
                Asm.mov(1, 10), Asm.mov(2, 20), Asm.mov(3, 30), Asm.mov(4, 40), Asm.lddw(5, UInt64.max),
                Asm.call(7), Asm.exit(),
            ]).ok)
        let result = vm.run()
        #expect(result.ok && result.r0 == 30)
        #expect(vm.helperCalls == [[10, 20, 30, 40, UInt64.max]])
    }

    @Test func aHelperCanStopTheRun() {
        let vm = TestVM()
        vm.registerTestHelpers()
        #expect(vm.loadCode([Asm.mov(1, 12), Asm.call(11), Asm.mov(0, 1), Asm.exit()]).ok)
        let result = vm.run()
        #expect(result.status == EBPF_ERR_HELPER_STOP)
        #expect(
            result.message
                == "helper 'stop' (index 11) called at pc 1 stopped the run: the model needs 12 bytes more")
        #expect(ebpf_vm_executed(vm.raw) == 2)
        #expect(ebpf_vm_stop(vm.raw, "late") == EBPF_ERR_STATE)
    }

    @Test func theBudgetEndsAnEndlessLoop() {
        let vm = TestVM()
        #expect(vm.loadCode([Asm.mov(0, 0), Asm.add(0, 1), Asm.ja(-2)]).ok)
        let result = vm.run(budget: 1000)
        #expect(result.status == EBPF_ERR_BUDGET)
        #expect(result.message.contains("budget of 1000 instructions"))
        #expect(ebpf_vm_executed(vm.raw) == 1000)
    }

    @Test func runningNeedsAProgram() {
        let vm = TestVM()
        let result = vm.run()
        #expect(result.status == EBPF_ERR_STATE && result.message.contains("no program"))
    }
}
