import VTATarget

/// What one inference of a bundle costs, layer by layer, by the target's cycle model.
///
/// Computed from the bundle alone (its manifest names every layer, its device and, for VTA
/// layers, the instructions that belong to it), so a report of a model and of the bundle
/// compiled from it are the same report, with the same layer names as `vtac inspect`.
public struct PerformanceReport: Sendable, Codable, Equatable {
    public var model: String
    public var target: String
    public var profile: String
    public var layers: [LayerPerformance]
    public var totals: Totals
    /// `device_copy` steps per inference.
    public var deviceCopies: Int
    /// Accelerator segments run (host syncs) per inference.
    public var deviceRuns: Int
    /// Elements in each SRAM buffer of the target (`UOP`, `INP`, `WGT`, `ACC`), against which
    /// the layers' high-water marks are read.
    public var sramDepths: [String: Int]

    public struct Totals: Sendable, Codable, Equatable {
        public var macs: Int
        public var vtaMACs: Int
        /// Every instruction of every segment, including each segment's closing token drain
        /// and FINISH, which belong to no layer.
        public var instructions: InstructionCounts
        public var loadedBytes: [String: Int]
        public var storedBytes: Int
        public var modelledCycles: Int
        public var rooflineCycles: Int
        public var trafficCycles: Int
    }
}

/// Instructions of one layer by opcode.
public struct InstructionCounts: Sendable, Codable, Equatable {
    public var load = 0
    public var gemm = 0
    public var alu = 0
    public var store = 0
    public var finish = 0

    public var total: Int { load + gemm + alu + store + finish }

    mutating func count(_ instruction: Instruction) {
        switch instruction {
        case .load: load += 1
        case .gemm: gemm += 1
        case .alu: alu += 1
        case .store: store += 1
        case .finish: finish += 1
        }
    }

    static func + (a: Self, b: Self) -> Self {
        Self(
            load: a.load + b.load, gemm: a.gemm + b.gemm, alu: a.alu + b.alu, store: a.store + b.store,
            finish: a.finish + b.finish)
    }
}

/// One operator of the model as the bundle runs it.
public struct LayerPerformance: Sendable, Codable, Equatable {
    /// The source model's operator index, as `inspect --placement` numbers it (nil for the
    /// device copies placement inserts).
    public var `operator`: Int?
    public var name: String
    /// Indices (in the report's layers) of the layers whose outputs this one reads.
    public var inputsFrom: [Int] = []
    public var kind: String
    /// "vta" or "cpu".
    public var device: String
    /// The accelerator segment, for VTA layers.
    public var segment: Int?
    public var macs: Int
    public var instructions: InstructionCounts
    /// DRAM bytes read by LOADs, by memory type mnemonic (`INP`, `WGT`, `ACC`, `UOP`, …).
    public var loadedBytes: [String: Int]
    /// DRAM bytes written by STOREs.
    public var storedBytes: Int
    /// One past the highest SRAM element any instruction of this layer addresses, per buffer
    /// (`UOP`, `INP`, `WGT`, `ACC`; STOREs count under ACC, whose indices the OUT buffer shares;
    /// GEMM and ALU count every index their micro-op loops reach).
    public var sramHighWater: [String: Int]
    /// Cycles the layer adds to its segment's modelled run: the end of its last instruction
    /// minus the latest end among the segment's earlier layers (0 when it finishes before
    /// them). Over a segment they add up to the end of its last layer, so the per-layer
    /// figures sum to the run, whereas spans overlap (a layer whose first loads are issued
    /// early spans the tail of the one before).
    public var modelledCycles: Int
    /// Cycles from the layer's first instruction's start to its last one's end.
    public var spanCycles: Int
    /// Cycles each module spends executing this layer's instructions (`load`, `compute`, `store`).
    public var busyCycles: [String: Int]
    /// Bytes of the layer's tensors (inputs, constants, outputs), each counted once: the
    /// least DRAM traffic any implementation has.
    public var essentialBytes: Int
    /// The roofline bound: the larger of the MACs at full GEMM rate and the essential bytes
    /// at full bus rate.
    public var rooflineCycles: Int
    /// The DRAM bytes this layer's instructions actually move, at full bus rate (above the
    /// essential bytes by the halos, the block padding and the requantization's round trips).
    public var trafficCycles: Int
    /// MACs / (modelled cycles × BATCH·BLOCK_IN·BLOCK_OUT).
    public var utilisation: Double
    /// How the layer requantizes on the accelerator ("" on the CPU).
    public var requantization: String
    /// How the layer runs on the accelerator ("" on the CPU), e.g. which depthwise route.
    public var lowering: String
    /// Start and end cycle of the layer within its segment's modelled run, per module.
    public var spans: [String: [Int]]
}

/// Why a bundle cannot be reported on.
public struct PerformanceReportError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var problem: String
    public var description: String { "\(path): \(problem)" }
}

extension PerformanceReport {
    /// The report of `bundle` under `target`'s cycle model. The target must describe the
    /// hardware the bundle was compiled for (the caller checks the configuration).
    public static func make(
        _ bundle: CSDBundle, target: Target, path: String
    ) throws(PerformanceReportError)
        -> PerformanceReport
    {
        let m = bundle.manifest
        let config = target.config
        let codec = InstructionCodec(config: config)
        let lanes = config.batch * config.blockIn * config.blockOut
        let busBytes = max(1, target.busWidthBits / 8)
        var streams: [[Instruction]] = []
        var timings: [StreamTiming?] = []
        var sramTops: [[Int: [SRAMBuffer: Int]]] = []
        let uops: [MicroOp]
        do {
            uops = try codec.decode(uops: bundle.uops)
        } catch {
            throw PerformanceReportError(path: path, problem: "micro-op section: \(error)")
        }
        for (index, segment) in m.segments.enumerated() {
            let start = Int(segment.instructionOffset) * 16
            let end = start + Int(segment.instructionCount) * 16
            guard start <= end, end <= bundle.instructions.count else {
                throw PerformanceReportError(
                    path: path, problem: "segment \(index) is outside the instruction section")
            }
            do {
                let stream = try codec.decode(stream: Array(bundle.instructions[start..<end]))
                streams.append(stream)
                timings.append(try? target.timing(of: stream))
                sramTops.append(Self.sramTops(stream, segment: segment, uops: uops, target: target))
            } catch {
                throw PerformanceReportError(path: path, problem: "segment \(index): \(error)")
            }
        }
        var layers: [LayerPerformance] = []
        // Per segment, the latest end among the layers so far.
        var segmentEnds: [Int: Int] = [:]
        for layer in m.layers {
            var entry = LayerPerformance(
                operator: layer.sourceOperator >= 0 ? Int(layer.sourceOperator) : nil, name: layer.name,
                kind: layer.kind, device: layer.device == .vta ? "vta" : "cpu",
                segment: nil,
                macs: Int(layer.macs), instructions: InstructionCounts(), loadedBytes: [:], storedBytes: 0,
                sramHighWater: [:], modelledCycles: 0, spanCycles: 0, busyCycles: [:],
                essentialBytes: Int(layer.essentialBytes),
                rooflineCycles: 0, trafficCycles: 0, utilisation: 0,
                requantization: layer.requantization, lowering: layer.lowering, spans: [:])
            entry.inputsFrom = layer.inputsFrom.map { Int($0) }
            if layer.device == .vta {
                let s = Int(layer.segment)
                let range = Int(layer.instructionBegin)..<Int(layer.instructionEnd)
                guard s < streams.count, range.upperBound <= streams[s].count else {
                    throw PerformanceReportError(
                        path: path, problem: "layer \(layer.name) names instructions outside its segment")
                }
                entry.segment = s
                entry.fill(streams[s], range: range, timing: timings[s], tops: sramTops[s], config: config)
                if let end = entry.spans.values.map({ $0[1] }).max() {
                    let before = segmentEnds[s] ?? 0
                    entry.modelledCycles = max(0, end - before)
                    segmentEnds[s] = max(before, end)
                }
                entry.rooflineCycles = max(
                    (entry.macs + lanes - 1) / lanes, (entry.essentialBytes + busBytes - 1) / busBytes)
                entry.trafficCycles =
                    (entry.loadedBytes.values.reduce(0, +) + entry.storedBytes + busBytes - 1) / busBytes
                entry.utilisation =
                    entry.modelledCycles == 0
                    ? 0 : Double(entry.macs) / (Double(entry.modelledCycles) * Double(lanes))
            }
            layers.append(entry)
        }
        var loaded: [String: Int] = [:]
        for l in layers { loaded.merge(l.loadedBytes, uniquingKeysWith: +) }
        let vta = layers.filter { $0.device == "vta" }
        let totals = Totals(
            macs: layers.map(\.macs).reduce(0, +), vtaMACs: vta.map(\.macs).reduce(0, +),
            instructions: streams.joined().reduce(into: InstructionCounts()) { $0.count($1) },
            loadedBytes: loaded,
            storedBytes: layers.map(\.storedBytes).reduce(0, +),
            modelledCycles: timings.map { $0?.totalCycles ?? 0 }.reduce(0, +),
            rooflineCycles: vta.map(\.rooflineCycles).reduce(0, +),
            trafficCycles: vta.map(\.trafficCycles).reduce(0, +))
        var copies = 0
        var runs = 0
        for step in m.steps {
            switch step.kind {
            case .runSegment: runs += 1
            case .copy: copies += 1
            default: break
            }
        }
        return PerformanceReport(
            model: m.modelName, target: target.name,
            profile: m.hardware.isaProfile.rawValue, layers: layers, totals: totals,
            deviceCopies: copies, deviceRuns: runs,
            sramDepths: Dictionary(
                uniqueKeysWithValues: SRAMBuffer.allCases.map { ($0.rawValue, config.depth($0)) }))
    }
}

extension PerformanceReport {
    /// Per instruction of a segment, one past the highest element it addresses in each SRAM
    /// buffer, from the stream verifier's analysis. GEMM and ALU address micro-ops by slot, so
    /// the verifier replays the segment's LOAD UOPs against the bundle's micro-op section, each
    /// pointed at its relocated element offset (the section placed at DRAM element 0).
    static func sramTops(
        _ stream: [Instruction], segment: Vtac_Bundle_Segment, uops: [MicroOp], target: Target
    ) -> [Int: [SRAMBuffer: Int]] {
        var relocated = stream
        for r in segment.relocations where r.region == .uops && Int(r.instruction) < stream.count {
            if case .load(var m) = relocated[Int(r.instruction)] {
                m.dramBase = Int(r.elementOffset)
                relocated[Int(r.instruction)] = .load(m)
            }
        }
        let image = UopImage(dramBase: 0, uops: uops)
        return StreamVerifier(target: target, uopImages: [image]).verify(relocated).sramTops
    }
}

extension LayerPerformance {
    fileprivate mutating func fill(
        _ stream: [Instruction], range: Range<Int>, timing: StreamTiming?, tops: [Int: [SRAMBuffer: Int]],
        config: HardwareConfig
    ) {
        for i in range {
            let instruction = stream[i]
            instructions.count(instruction)
            switch instruction {
            case .load(let mi):
                loadedBytes[mi.memoryType.mnemonic, default: 0] += mi.dramBytes(config)
            case .store(let mi):
                storedBytes += mi.dramBytes(config)
            default: break
            }
            for (buffer, top) in tops[i] ?? [:] {
                sramHighWater[buffer.rawValue] = max(sramHighWater[buffer.rawValue] ?? 0, top)
            }
        }
        guard let timing, !range.isEmpty else { return }
        let spansOfLayer = timing.intervals[range]
        spanCycles =
            (spansOfLayer.map(\.upperBound).max() ?? 0) - (spansOfLayer.map(\.lowerBound).min() ?? 0)
        for i in range {
            let module = "\(stream[i].module)"
            let span = timing.intervals[i]
            busyCycles[module, default: 0] += span.count
            if let old = spans[module] {
                spans[module] = [min(old[0], span.lowerBound), max(old[1], span.upperBound)]
            } else {
                spans[module] = [span.lowerBound, span.upperBound]
            }
        }
    }
}
