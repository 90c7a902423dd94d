import Crypto
import Foundation
import GraphIR
import Lowering
import Partitioning
import TFLite
import VTATarget

/// What `vtac compile` prints about a compiled model.
public struct CompileSummary: Sendable {
    public var target: String
    public var profile: String
    public var operatorsOnVTA: Int
    public var operatorsOnCPU: Int
    public var deviceCopies: Int
    public var deviceRuns: Int
    public var constantBytes: Int
    public var activationBytes: Int
    public var hostBytes: Int
    public var instructions: Int
    public var modelledCycles: Int
    public var modelledMicroseconds: Double
    public var bundleBytes: Int
}

/// The whole compiler: model → graph → placement → memory plan → microcode → bundle.
public enum ModelCompiler {
    public struct Output: Sendable {
        public var bundle: [UInt8]
        public var summary: CompileSummary
        public var placement: PlacementPlan
        public var lowered: LoweredModel
    }

    public static func compile(modelPath: String, target: Target) throws -> Output {
        // The reader checks the file (missing, a directory, unreadable) with its own messages.
        let model = try TFLiteReader.read(path: modelPath)
        let file = [UInt8](try Data(contentsOf: URL(fileURLWithPath: modelPath)))
        let graph = try GraphBuilder.build(model, path: modelPath)
        let placement = Placement.plan(graph, target: target)
        let memory = MemoryPlanner.plan(placement.placed, target: target)
        if let conflict = memory.haloConflicts.first {
            throw PackagingError(
                "\(modelPath): tensor \(placement.placed.graph.values[conflict].name) is read by layers that need "
                    + "different padding values")
        }
        let lowered: LoweredModel
        do {
            lowered = try ModelLowering.lower(placement.placed, memory: memory, target: target)
        } catch {
            throw PackagingError("\(modelPath): \(error)")
        }
        try verify(lowered, memory: memory, target: target)
        let digest = Array(SHA256.hash(data: file))
        var bundle = try ManifestBuilder(
            placed: placement.placed, memory: memory, lowered: lowered, target: target
        )
        .build(modelName: URL(fileURLWithPath: modelPath).lastPathComponent, modelDigest: digest)
        bundle.bpfELF = try CSDWrapperProgram.object(CSDWrapperDescription())
        let bytes = try bundle.encode()
        var cycles = 0
        for segment in lowered.segments {
            cycles += (try? target.timing(of: segment.instructions).totalCycles) ?? 0
        }
        let onVTA = placement.operators.filter { $0.device == .vta }.count
        let summary = CompileSummary(
            target: target.name, profile: target.profile.rawValue, operatorsOnVTA: onVTA,
            operatorsOnCPU: placement.operators.count - onVTA, deviceCopies: placement.placed.copyCount,
            deviceRuns: placement.placed.deviceRuns, constantBytes: lowered.constants.count,
            activationBytes: memory.activationsSize, hostBytes: memory.hostSize,
            instructions: lowered.segments.reduce(0) { $0 + $1.instructions.count }, modelledCycles: cycles,
            modelledMicroseconds: Double(cycles) / target.clockMHz, bundleBytes: bytes.count)
        return Output(
            bundle: bytes, summary: summary, placement: placement, lowered: lowered)
    }

    /// Runs the stream verifier on every segment before anything is written, so that a
    /// lowering bug is reported by `compile` (exit 70) rather than by the drive at load time.
    static func verify(
        _ lowered: LoweredModel, memory: MemoryPlan, target: Target
    ) throws(SegmentVerificationError) {
        let sizes: [StreamRegion: Int] = [
            .constants: lowered.constants.count, .activations: memory.activationsSize,
            .scratch: lowered.scratchSize,
        ]
        for (index, segment) in lowered.segments.enumerated() {
            let bases = SegmentProgram.canonicalBases(
                regionSizes: sizes, uopCount: segment.uops.count, config: target.config)
            let report = segment.verification(target: target, bases: bases, regionSizes: sizes)
            if !report.isSafe { throw SegmentVerificationError(segment: index, findings: report.errors) }
        }
    }
}
