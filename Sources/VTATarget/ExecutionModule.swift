/// The three concurrently running VTA modules. Each runs its own instructions in program
/// order; the only ordering between modules comes from dependency tokens.
public enum ExecutionModule: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case load
    case compute
    case store

    public var description: String { rawValue }

    /// The queue a dependency flag pops from or pushes to in this module, or nil when this
    /// module has no queue on that side (load has no "prev", store has no "next").
    public func queue(for flag: DependencyFlags) -> TokenQueue? {
        switch (self, flag) {
        case (.load, .popNext): .g2l
        case (.load, .pushNext): .l2g
        case (.compute, .popPrev): .l2g
        case (.compute, .popNext): .s2g
        case (.compute, .pushPrev): .g2l
        case (.compute, .pushNext): .g2s
        case (.store, .popPrev): .g2s
        case (.store, .pushPrev): .s2g
        default: nil
        }
    }
}

/// The four token FIFOs between the modules.
public enum TokenQueue: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// load -> compute.
    case l2g
    /// compute -> load.
    case g2l
    /// compute -> store.
    case g2s
    /// store -> compute.
    case s2g

    public var producer: ExecutionModule {
        switch self {
        case .l2g: .load
        case .g2l, .g2s: .compute
        case .s2g: .store
        }
    }

    public var consumer: ExecutionModule {
        switch self {
        case .l2g, .s2g: .compute
        case .g2l: .load
        case .g2s: .store
        }
    }

    public var description: String { rawValue }
}
