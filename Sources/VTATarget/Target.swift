import Foundation

/// A compilation target: one VTA configuration plus what vtac needs to know about the board
/// that runs it (ISA profile, clock, bus, token FIFO depth, timing assumptions).
///
/// Targets live as folders `Schedules/<name>/` holding TVM's `vta_config.json` and vtac's
/// `target.json`; see `TargetLoader`.
public struct Target: Sendable, Hashable {
    /// The folder name, e.g. `alkali`.
    public var name: String
    public var config: HardwareConfig
    public var profile: ISAProfile
    public var clockMHz: Double
    /// DMA bus width (64 on Zynq-7000/UltraScale+ HP ports as VTA uses them, 512 on cloud parts).
    public var busWidthBits: Int
    /// Tokens each dependency FIFO holds before a push blocks (1024 on the HLS design).
    public var fifoDepth: Int
    public var cycleModel: CycleModel
    /// One line saying what the target is (`description` in target.json).
    public var summary: String
    /// The folder it was loaded from, when it was loaded.
    public var directory: URL?
    /// Tilings chosen per workload (`schedules.json`, optional): the lowering's search fills
    /// in the workloads it does not list.
    public var schedules: [String: TilingSchedule] = [:]

    /// The target vtac uses when none is named.
    public static let defaultName = "alkali"

    public init(
        name: String, config: HardwareConfig, profile: ISAProfile, clockMHz: Double, busWidthBits: Int,
        fifoDepth: Int, cycleModel: CycleModel, summary: String = "", directory: URL? = nil
    ) {
        self.name = name
        self.config = config
        self.profile = profile
        self.clockMHz = clockMHz
        self.busWidthBits = busWidthBits
        self.fifoDepth = fifoDepth
        self.cycleModel = cycleModel
        self.summary = summary
        self.directory = directory
    }

    /// A codec for this target's configuration.
    public var codec: InstructionCodec { InstructionCodec(config: config) }

    /// Loads `Schedules/<name>/` from the default search path (see `TargetLoader.standard`).
    public static func load(name: String = defaultName) throws(TargetLoadError) -> Target {
        try TargetLoader.standard.load(name: name)
    }

    /// Loads `<root>/<name>/` for the first of `roots` that has it.
    public static func load(name: String, schedulesRoots roots: [URL]) throws(TargetLoadError) -> Target {
        try TargetLoader(roots: roots).load(name: name)
    }

    /// Loads a target folder directly; the target's name is the folder's name.
    public static func load(directory: URL) throws(TargetLoadError) -> Target {
        try TargetLoader.load(directory: directory)
    }
}
