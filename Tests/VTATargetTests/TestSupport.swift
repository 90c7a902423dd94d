import Foundation
import TestSupport
import VTATarget

/// The repository's Schedules folder, found from this file (Tests/VTATargetTests/).
let schedulesRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Schedules", isDirectory: true)

/// A shipped target, loaded from the repository.
func shippedTarget(_ name: String) throws -> Target {
    try Target.load(name: name, schedulesRoots: [schedulesRoot])
}

/// The suite's deterministic generator, under this target's name for it.
typealias SeededGenerator = SplitMix64

/// Random but encodable instructions for a configuration: every field drawn over its whole
/// range, biased towards the edges where off-by-one bugs live.
struct RandomInstructions {
    let layout: InstructionLayout
    var rng: SeededGenerator

    init(config: HardwareConfig, seed: UInt64) {
        layout = config.layout
        rng = SeededGenerator(seed: seed)
    }

    mutating func value(_ field: BitField) -> Int {
        let range = field.valueRange
        switch Int.random(in: 0..<8, using: &rng) {
        case 0: return range.lowerBound
        case 1: return range.upperBound
        default: return Int.random(in: range, using: &rng)
        }
    }

    mutating func deps() -> DependencyFlags {
        DependencyFlags(rawValue: UInt8.random(in: 0...15, using: &rng))
    }

    mutating func loop(_ fields: FieldLayout) -> UopLoop {
        UopLoop(
            uopBegin: value(fields[.uopBegin]), uopEnd: value(fields[.uopEnd]),
            iterOut: value(fields[.iterOut]),
            iterIn: value(fields[.iterIn]), dstFactorOut: value(fields[.dstFactorOut]),
            dstFactorIn: value(fields[.dstFactorIn]), srcFactorOut: value(fields[.srcFactorOut]),
            srcFactorIn: value(fields[.srcFactorIn]))
    }

    mutating func next() -> Instruction {
        switch Int.random(in: 0..<5, using: &rng) {
        case 0, 1:
            let f = layout.memory
            let m = MemoryInstruction(
                memoryType: MemoryType.allCases.randomElement(using: &rng)!, sramBase: value(f[.sramBase]),
                dramBase: value(f[.dramBase]), ySize: value(f[.ySize]), xSize: value(f[.xSize]),
                xStride: value(f[.xStride]), yPad0: value(f[.yPad0]), yPad1: value(f[.yPad1]),
                xPad0: value(f[.xPad0]), xPad1: value(f[.xPad1]), deps: deps())
            return Bool.random(using: &rng) ? .load(m) : .store(m)
        case 2:
            let f = layout.gemm
            return .gemm(
                GemmInstruction(
                    reset: Bool.random(using: &rng), loop: loop(f), wgtFactorOut: value(f[.wgtFactorOut]),
                    wgtFactorIn: value(f[.wgtFactorIn]), deps: deps()))
        case 3:
            let f = layout.alu
            return .alu(
                AluInstruction(
                    opcode: AluOpcode.allCases.randomElement(using: &rng)!, loop: loop(f),
                    useImmediate: Bool.random(using: &rng), immediate: value(f[.imm]),
                    reset: Bool.random(using: &rng), deps: deps()))
        default:
            return .finish(FinishInstruction(deps: deps()))
        }
    }

    mutating func uop() -> MicroOp {
        let f = layout.uop
        return MicroOp(dst: value(f[.dstIndex]), src: value(f[.srcIndex]), wgt: value(f[.wgtIndex]))
    }
}

/// Hex of bytes, for readable expectations.
func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined(separator: " ") }
