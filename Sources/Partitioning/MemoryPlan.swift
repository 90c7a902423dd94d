import GraphIR
import TFLite
import VTATarget

/// Where the runtime keeps a tensor.
public enum MemoryRegion: String, Sendable, Hashable {
    /// Device memory holding activations in VTA's packed layout, reused by liveness.
    case activations
    /// Device memory holding constants: packed weights and folded biases, CPU kernels' weights.
    case constants
    /// Host memory of the CPU kernels (NHWC), reused by liveness.
    case host
}

/// One tensor's place: region, byte offset, size, and its packed layout when on the device.
public struct TensorAllocation: Sendable, Equatable {
    public var value: ValueID
    public var region: MemoryRegion
    public var offset: Int
    public var size: Int
    public var layout: PackedLayout?
    /// The byte the halo must hold (nil when there is no halo).
    public var haloFill: Int8?
}

/// The memory of one compiled model: every tensor's place and the size of each region.
public struct MemoryPlan: Sendable {
    public var allocations: [ValueID: TensorAllocation]
    public var activationsSize: Int
    public var activationsWithoutReuse: Int
    public var hostSize: Int
    public var hostWithoutReuse: Int
    public var constantsSize: Int
    /// Alignment of every tensor in the device regions, and of the regions themselves.
    public var alignment: Int
    /// Tensors whose readers ask for different halo fills (they cannot share one buffer).
    public var haloConflicts: [ValueID]
    /// Accelerator RESHAPE outputs, which share their input's buffer (value → the value that owns it).
    public var aliases: [ValueID: ValueID] = [:]

    public var activationSaving: Int { activationsWithoutReuse - activationsSize }
}

/// Plans memory for a placed graph: packed layouts (with the halos convolutions need) for
/// tensors on the accelerator, NHWC for the host, liveness-based reuse in both arenas, and the
/// constants the accelerated operators read.
public enum MemoryPlanner {
    public static func plan(_ placed: PlacedGraph, target: Target) -> MemoryPlan {
        let graph = placed.graph
        let config = target.config
        // Device alignment: the largest DMA element any tensor may be addressed in (a weight tile).
        let alignment = max(64, config.dramElementBytes(.weight), config.dramElementBytes(.accumulator))
        let schedule = graph.nodes.count
        var lastUse = [Int](repeating: -1, count: graph.values.count)
        for node in graph.nodes { for v in node.presentInputs { lastUse[v] = max(lastUse[v], node.id) } }
        for v in graph.outputs { lastUse[v] = schedule }

        // A RESHAPE on the accelerator moves no data: its output is its input's buffer, which
        // must then live until the output's last reader.
        var aliasOf: [ValueID: ValueID] = [:]
        for node in graph.nodes where node.device == .vta {
            if case .reshape = node.op, let input = node.inputs.first ?? nil {
                let root = aliasOf[input] ?? input
                aliasOf[node.outputs[0]] = root
                lastUse[root] = max(lastUse[root], lastUse[node.outputs[0]])
            }
        }
        let halos = requiredHalos(graph)
        var deviceRequests: [BufferRequest] = []
        var hostRequests: [BufferRequest] = []
        var layouts: [ValueID: PackedLayout] = [:]
        var constants: [ValueID: TensorAllocation] = [:]
        var constantsSize = 0
        for value in graph.values {
            if value.isConstant {
                // Constants read by any node are kept; the lowering may replace them by packed forms.
                guard lastUse[value.id] >= 0 else { continue }
                constantsSize = ArenaPlanner.align(constantsSize, alignment)
                constants[value.id] = TensorAllocation(
                    value: value.id, region: .constants, offset: constantsSize, size: value.byteCount,
                    layout: nil,
                    haloFill: nil)
                constantsSize += value.byteCount
                continue
            }
            if aliasOf[value.id] != nil { continue }
            let first = value.producer ?? 0
            let last = max(lastUse[value.id], first)
            if onDevice(value, graph) {
                let halo = halos[value.id]?.halo ?? .none
                // A halo is filled once, at load: its bytes must never be shared with another
                // tensor, so a haloed tensor lives for the whole inference.
                let (first, last) = halo == .none ? (first, last) : (0, schedule)
                let layout = PackedLayout(shape: value.shape, config: config, halo: halo)
                layouts[value.id] = layout
                deviceRequests.append(
                    BufferRequest(
                        id: value.id, size: layout.byteCount, alignment: alignment, firstUse: first,
                        lastUse: last))
            } else {
                hostRequests.append(
                    BufferRequest(
                        id: value.id, size: max(value.byteCount, 1), alignment: 16, firstUse: first,
                        lastUse: last))
            }
        }
        let device = ArenaPlanner.plan(deviceRequests)
        let host = ArenaPlanner.plan(hostRequests)
        var allocations = constants
        for r in deviceRequests {
            allocations[r.id] = TensorAllocation(
                value: r.id, region: .activations, offset: device.offsets[r.id]!, size: r.size,
                layout: layouts[r.id],
                haloFill: halos[r.id]?.fill)
        }
        for r in hostRequests {
            allocations[r.id] = TensorAllocation(
                value: r.id, region: .host, offset: host.offsets[r.id]!, size: r.size, layout: nil,
                haloFill: nil)
        }
        for (alias, root) in aliasOf { allocations[alias] = allocations[root] }
        return MemoryPlan(
            allocations: allocations, activationsSize: ArenaPlanner.align(device.peak, alignment),
            activationsWithoutReuse: device.withoutReuse, hostSize: host.peak,
            hostWithoutReuse: host.withoutReuse,
            constantsSize: ArenaPlanner.align(constantsSize, alignment), alignment: alignment,
            haloConflicts: halos.filter { $0.value.conflict }.map(\.key).sorted(), aliases: aliasOf)
    }

    /// A tensor lives on the device when an accelerator operator or a copy to VTA writes it.
    static func onDevice(_ value: Value, _ graph: Graph) -> Bool {
        guard let producer = value.producer else { return false }
        return graph.nodes[producer].device == .vta
    }

    /// Halos that accelerator readers need where LOAD's zero padding is not the right value:
    /// a convolution whose input zero point is not 0 (padded taps must read the zero point), and
    /// a max pool with padding (padded taps must never win: they hold -128).
    static func requiredHalos(_ graph: Graph) -> [ValueID: (halo: Padding2DHalo, fill: Int8, conflict: Bool)]
    {
        var result: [ValueID: (halo: Padding2DHalo, fill: Int8, conflict: Bool)] = [:]
        for node in graph.nodes where node.device == .vta {
            guard let input = node.inputs.first ?? nil else { continue }
            let padding: Padding2D
            let fill: Int8
            switch node.op {
            case .conv2D(let a), .depthwiseConv2D(let a):
                let zp = graph.values[input].quantization?.zeroPoint ?? 0
                guard zp != 0 else { continue }
                padding = a.padding
                fill = Int8(truncatingIfNeeded: zp)
            case .maxPool2D(let a):
                padding = a.padding
                fill = Int8.min
            default:
                continue
            }
            guard padding != .zero else { continue }
            let halo = Padding2DHalo(
                top: padding.top, bottom: padding.bottom, left: padding.left, right: padding.right)
            if let existing = result[input] {
                result[input] = (
                    existing.halo.union(halo), existing.fill, existing.conflict || existing.fill != fill
                )
            } else {
                result[input] = (halo, fill, false)
            }
        }
        return result
    }
}
