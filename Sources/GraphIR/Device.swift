/// Where an operator runs. Part of the IR because device annotation and `device_copy` nodes
/// are graph facts that every later stage and every report reads.
public enum Device: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// The VTA accelerator on the drive's FPGA.
    case vta
    /// The drive's CPU (or the host running the simulator).
    case cpu

    public var description: String { rawValue.uppercased() }
}
