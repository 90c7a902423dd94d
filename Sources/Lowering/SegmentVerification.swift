import VTATarget

/// A compiled segment the stream verifier refuses: a bug in the lowering, never bad input.
public struct SegmentVerificationError: Error, Sendable, CustomStringConvertible {
    public var segment: Int
    public var findings: [VerificationFinding]

    public init(segment: Int, findings: [VerificationFinding]) {
        self.segment = segment
        self.findings = findings
    }

    public var description: String {
        let shown = findings.prefix(3).map { "\($0)" }.joined(separator: "; ")
        let more = findings.count > 3 ? " (and \(findings.count - 3) more)" : ""
        return "segment \(segment) fails the stream verifier: \(shown)\(more)"
    }
}

extension SegmentProgram {
    /// The verifier's verdict on this segment as the runtime will run it: relocated for
    /// regions at `bases` (physical byte addresses), each of the size given, the micro-op
    /// image at the start of the uops region, and transfers allowed only inside the regions.
    public func verification(
        target: Target, bases: [StreamRegion: Int], regionSizes: [StreamRegion: Int]
    ) -> VerificationReport {
        let config = target.config
        var sizes = regionSizes
        sizes[.uops] = max(uops.count * config.dramElementBytes(.uop), 4)
        let regions = sizes.sorted { $0.key.rawValue < $1.key.rawValue }.map { region, size in
            let base = bases[region] ?? 0
            return DRAMRegion(
                name: region.rawValue, bytes: base..<(base + size), memoryTypes: Set(MemoryType.allCases))
        }
        let image = UopImage(dramBase: (bases[.uops] ?? 0) / config.dramElementBytes(.uop), uops: uops)
        return StreamVerifier(target: target, uopImages: [image], dramRegions: regions)
            .verify(relocated(bases: bases, config: config))
    }

    /// Region bases for `verification` when no real placement exists: the regions one after
    /// another in a fixed order, each on its own 4 KiB page, starting at the first page.
    public static func canonicalBases(
        regionSizes: [StreamRegion: Int], uopCount: Int, config: HardwareConfig
    )
        -> [StreamRegion: Int]
    {
        let page = 4096
        var next = page
        var bases: [StreamRegion: Int] = [:]
        for region in StreamRegion.allCases {
            bases[region] = next
            let size = region == .uops ? uopCount * config.dramElementBytes(.uop) : regionSizes[region] ?? 0
            next += (max(size, 1) + page - 1) / page * page
        }
        return bases
    }
}
