/// A maximum-flow / minimum-cut solver on a small directed network (Edmonds–Karp).
///
/// Partitioning uses it to place operators that could run on either device: the cut with the
/// fewest bytes crossing devices is a property of the graph, not of the order in which its
/// operators or their arguments are listed, which is what makes placement order-independent.
struct FlowNetwork {
    static let infinity = Int.max / 4

    private(set) var nodeCount: Int
    private var to: [Int] = []
    private var capacity: [Int] = []
    private var adjacency: [[Int]]

    init(nodeCount: Int) {
        self.nodeCount = nodeCount
        adjacency = Array(repeating: [], count: nodeCount)
    }

    mutating func addNode() -> Int {
        adjacency.append([])
        nodeCount += 1
        return nodeCount - 1
    }

    /// Adds an arc u→v of capacity c (and its residual twin v→u of capacity 0).
    mutating func addArc(_ u: Int, _ v: Int, _ c: Int) {
        adjacency[u].append(to.count)
        to.append(v)
        capacity.append(c)
        adjacency[v].append(to.count)
        to.append(u)
        capacity.append(0)
    }

    /// Runs max-flow from `source` to `sink` and returns, for every node, whether it lies on the
    /// source side of the canonical minimum cut that keeps the source side as large as possible:
    /// a node is on the sink side exactly when it can still reach the sink in the residual
    /// network. That set is the same for every maximum flow, so the answer is unique.
    mutating func maximalSourceSide(source: Int, sink: Int) -> [Bool] {
        while let path = augmentingPath(source: source, sink: sink) {
            var bottleneck = FlowNetwork.infinity
            for arc in path { bottleneck = min(bottleneck, capacity[arc]) }
            for arc in path {
                capacity[arc] -= bottleneck
                capacity[arc ^ 1] += bottleneck
            }
        }
        // Nodes that reach the sink through arcs with residual capacity: walk backwards.
        var reachesSink = Array(repeating: false, count: nodeCount)
        reachesSink[sink] = true
        var queue = [sink]
        var head = 0
        while head < queue.count {
            let v = queue[head]
            head += 1
            for arc in adjacency[v] {
                // arc is v→u; its twin u→v has residual capacity[arc ^ 1].
                let u = to[arc]
                if !reachesSink[u] && capacity[arc ^ 1] > 0 {
                    reachesSink[u] = true
                    queue.append(u)
                }
            }
        }
        return reachesSink.map { !$0 }
    }

    /// Breadth-first search for a shortest path with residual capacity; arcs in path order.
    private func augmentingPath(source: Int, sink: Int) -> [Int]? {
        var viaArc = Array(repeating: -1, count: nodeCount)
        var seen = Array(repeating: false, count: nodeCount)
        seen[source] = true
        var queue = [source]
        var head = 0
        while head < queue.count {
            let u = queue[head]
            head += 1
            for arc in adjacency[u] where capacity[arc] > 0 && !seen[to[arc]] {
                seen[to[arc]] = true
                viaArc[to[arc]] = arc
                if to[arc] == sink {
                    var path: [Int] = []
                    var v = sink
                    while v != source {
                        path.append(viaArc[v])
                        v = to[viaArc[v] ^ 1]
                    }
                    return path.reversed()
                }
                queue.append(to[arc])
            }
        }
        return nil
    }
}
