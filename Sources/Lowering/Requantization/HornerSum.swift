extension RQProgram {
    /// Resets the tile, accumulates the products into it position by position (Horner, see
    /// `hornerUpward`) with the constant C split at the positions (`positionChunks`), and
    /// leaves floor((Σ products + C) / 2^shift) in the tile. Every product must lie at or
    /// below bit `shift`.
    mutating func sumInPlace(_ products: [PlacedProduct], offsets: [WideInteger], shift n: Int) {
        ops.append(.reset([.tile]))
        // Each position's products by digit, on consecutive weight tiles: one GEMM loop. The
        // longest runs take tiles first, so that shorter ones (often their parts) reuse them.
        let groups = Dictionary(grouping: products, by: \.position).mapValues { g in
            g.sorted { $0.digit < $1.digit }
        }
        var byPosition: [Int: [RQProduct]] = [:]
        for (position, group) in groups.sorted(by: { ($0.value.count, -$0.key) > ($1.value.count, -$1.key) })
        {
            let first = weightRun(group.map(\.weights))
            byPosition[position] = group.enumerated().map { k, q in
                RQProduct(dst: .tile, digit: q.digit, weights: first + k)
            }
        }
        let stops = Set(byPosition.keys).union([n]).sorted()
        var addends: [Int: [RQOperand]] = [:]
        for (position, values) in Self.positionChunks(offsets, stops: stops) {
            addends[position, default: []].append(operand(values.map { $0.int64 ?? Int64.max }))
        }
        hornerUpward(products: byPosition, addends: addends, shift: n)
    }

    /// Sums the products (keyed by bit position) and the addends in the tile, lowest position
    /// first, and divides by 2^shift with floor. When position q's products and addends go
    /// in, the tile holds floor(everything below q / 2^q); it then shifts right to the next
    /// position. Exact because floor((floor(a / 2^s) + b) / 2^t) = floor((a + b·2^s) / 2^(s+t))
    /// for integer b, so every position must lie at or below the shift (a left shift would
    /// need the bits the floors dropped).
    mutating func hornerUpward(products: [Int: [RQProduct]], addends: [Int: [RQOperand]], shift n: Int) {
        let stops = Set(products.keys).union(addends.keys).sorted()
        precondition((stops.last ?? 0) <= n, "a position above the shift needs the column chain")
        var level = stops.first ?? n
        for position in stops {
            shift(.tile, by: position - level)
            level = position
            if let group = products[position] { ops.append(.products(group)) }
            for a in addends[position] ?? [] { alu(.add, .tile, a) }
        }
        shift(.tile, by: n - level)
    }

    /// Per-lane constants `C` as addends at bit positions from the first of the ascending
    /// `stops` to the last (the shift N), preferring the stops (a new position costs one more
    /// shift), in as few chunks as keep each below 2^29 in magnitude (but the one at N): from the
    /// highest stop C's trailing zeros allow, one chunk when C fits there (the usual case: the
    /// planner picks C with the most trailing zeros, and the tile's running sum is small
    /// next to it), else the bits below the lowest stop whose quotient fits go first. Bits
    /// below the first stop are dropped: every product is a multiple of 2^(first stop) and N
    /// is not below it, so they cannot change the floor. The interval analysis still proves
    /// every sum within int32.
    static func positionChunks(
        _ values: [WideInteger], stops: [Int]
    ) -> [(position: Int, values: [WideInteger])] {
        guard let n = stops.last, let first = stops.first else { return [] }
        var result: [(Int, [WideInteger])] = []
        var rest = values.map { $0.floorShiftedRight(first).shiftedLeft(first) }
        let limit = WideInteger.power(29)
        func fits(_ v: [WideInteger], below s: Int) -> Bool {
            v.allSatisfy { x in
                let q = x.floorShiftedRight(s); return q < limit && !(q < -limit)
            }
        }
        var lowest = first
        while rest.contains(where: { $0 != .zero }) {
            let zeros = rest.filter { $0 != .zero }.map(\.trailingZeroBitCount).min()!
            let from = stops.last { $0 >= lowest && $0 <= zeros } ?? min(zeros, n)
            guard from < n, !fits(rest, below: from) else {
                result.append((from, rest.map { $0.floorShiftedRight(from) }))
                break
            }
            // The bits below the lowest stop whose quotient fits (or below a new position 28
            // bits up, where the stops are sparse) go in at `from`.
            let upto = min(stops.first { $0 > from && fits(rest, below: $0) } ?? n, from + 28)
            let low = rest.map { $0 - $0.floorShiftedRight(upto).shiftedLeft(upto) }
            result.append((from, low.map { $0.floorShiftedRight(from) }))
            rest = zip(rest, low).map { $0 - $1 }
            lowest = upto
        }
        return result
    }
}
