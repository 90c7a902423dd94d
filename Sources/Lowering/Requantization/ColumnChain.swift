/// What both routes start from: per lane (channels padded to whole blocks), the accumulator
/// range, the input clamp, the multiplier, the sign term D and the feasible offsets C.
struct RouteInput: Sendable {
    struct Lane: Sendable {
        /// The compile-time accumulator range.
        var range: RQRange
        var clampLow: Int64
        var clampHigh: Int64
        var multiplier: Int64
        /// D, added when x < 0 (0 when the lane needs no sign term).
        var negativeOffset: WideInteger
        /// The C that make the rule exact (given D).
        var offsets: WideInterval
        /// The lane's own shift beyond the common one.
        var extraShift: Int

        static let padding = Lane(
            range: RQRange(0), clampLow: 0, clampHigh: 0, multiplier: 0, negativeOffset: .zero,
            offsets: WideInterval(lower: .zero, upper: .zero), extraShift: 0)

        /// The operand range after the input clamp.
        var x: RQRange { RQRange(clampLow, clampHigh) }
    }

    var lanes: [Lane]
    var shift: Int
    var outputClamp: OutputClamp
    var outputMin: Int32
    var outputMax: Int32

    /// The same rules at shift N + d: M, D and C scaled by 2^d (C's interval grows by the
    /// 2^d − 1 values that floor away), e.g. to align N with the column radix. Nil when a
    /// multiplier would pass the search's limit.
    func scaled(by d: Int) -> RouteInput? {
        guard d > 0 else { return self }
        var copy = self
        copy.shift += d
        let grow = WideInteger.power(d) - WideInteger(1)
        for i in copy.lanes.indices {
            var l = copy.lanes[i]
            guard l.multiplier <= AffineSearch.multiplierLimit >> d else { return nil }
            l.multiplier <<= d
            l.negativeOffset = l.negativeOffset.shiftedLeft(d)
            l.offsets = WideInterval(
                lower: l.offsets.lower.map { $0.shiftedLeft(d) },
                upper: l.offsets.upper.map { $0.shiftedLeft(d) + grow })
            copy.lanes[i] = l
        }
        return copy
    }

    var needsLowClamp: Bool { lanes.contains { $0.clampLow > $0.range.lower } }
    var needsHighClamp: Bool { lanes.contains { $0.clampHigh < $0.range.upper } }
    var needsSign: Bool { lanes.contains { $0.negativeOffset != .zero } }

    /// Builds the lanes from exact fits: the sign term only where x takes both signs (a lane
    /// whose x is always negative folds D into C).
    ///
    /// `unclamped`: leave out the input clamp at an end where the output clamp does its work
    /// (the reference saturates there at the bound the program clamps to, and the rule is
    /// monotone): the operand is then the whole accumulator range, which may need more digits
    /// but saves the per-lane MAX/MIN (tensor operations) for immediate ones on the output.
    init?(references: [ChannelReference], solution: ShiftSolution, lanes count: Int, unclamped: Bool = false)
    {
        var lanes: [Lane] = []
        for (c, (r, fit)) in zip(references, solution.fits).enumerated() {
            var (lo, hi) = r.ruleClamp
            if unclamped, r.constantValue == nil {
                if solution.clamp.low, r.values.first == r.outputMin { lo = r.lower }
                if solution.clamp.high, r.values.last == r.outputMax { hi = r.upper }
            }
            guard let rule = fit.simplestRule(clampLow: lo, clampHigh: hi) else { return nil }
            var d = rule.negativeOffset
            var offsets = fit.offsets(negativeOffset: d)
            if hi < 0 {
                // x is always negative: only C + D matters, no sign term.
                offsets = fit.negative
                d = .zero
            } else if lo >= 0 {
                offsets = fit.positive
                d = .zero
            }
            lanes.append(
                Lane(
                    range: RQRange(r.lower, r.upper), clampLow: lo, clampHigh: hi, multiplier: fit.multiplier,
                    negativeOffset: d, offsets: offsets, extraShift: solution.shifts[c] - solution.shift))
        }
        while lanes.count < count { lanes.append(.padding) }
        self.lanes = lanes
        shift = solution.shift
        outputClamp = solution.clamp
        outputMin = references.first?.outputMin ?? -128
        outputMax = references.first?.outputMax ?? 127
    }
}

/// Digits of a non-negative or negative integer in base 2^bits: balanced (each in
/// [-2^(bits-1), 2^(bits-1))) or unsigned (each in [0, 2^bits), the value non-negative).
func radixDigits(_ value: WideInteger, bits: Int, balanced: Bool) -> [Int64] {
    var v = value
    var digits: [Int64] = []
    let half = WideInteger.power(bits - 1)
    while v != .zero {
        let q = balanced ? (v + half).floorShiftedRight(bits) : v.floorShiftedRight(bits)
        let d = v - q.shiftedLeft(bits)
        digits.append(d.int64!)
        v = q
    }
    return digits
}

extension RQProgram {
    /// The ALU input clamp and the output clamp.
    mutating func inputClamp(_ input: RouteInput) {
        if input.needsLowClamp { alu(.max, .tile, operand(input.lanes.map(\.clampLow))) }
        if input.needsHighClamp { alu(.min, .tile, operand(input.lanes.map(\.clampHigh))) }
    }

    /// The per-lane part of the shift (tensor SHR by a vector of amounts, 15 at a time).
    mutating func laneShift(_ input: RouteInput) {
        var left = input.lanes.map { Int64($0.extraShift) }
        while left.contains(where: { $0 > 0 }) {
            let step = left.map { min($0, 15) }
            alu(.shr, .tile, operand(step))
            left = zip(left, step).map { $0 - $1 }
        }
    }

    mutating func outputClamp(_ input: RouteInput) {
        if input.outputClamp.low { alu(.max, .tile, .immediate(input.outputMin)) }
        if input.outputClamp.high { alu(.min, .tile, .immediate(input.outputMax)) }
    }

    /// Per-lane values `v = Σ_j chunk_j · 2^(bits·column_j)` in few chunks that each fit 2^27
    /// (so adding one to a column cannot overflow): from the highest column `a` every lane's
    /// value is a multiple of (at least `lowest`), up to `top`, which takes whatever remains
    /// (small when `top` is the column where the chain's value is the result's size). With
    /// `lowest` above that column, the part below `lowest` is dropped: when nothing else has
    /// digits below column `lowest`, floor division by 2^(bits·lowest) ignores it.
    static func columnChunks(
        _ values: [WideInteger], bits: Int, lowest: Int, top: Int
    ) -> [(column: Int, values: [WideInteger])] {
        guard values.contains(where: { $0 != .zero }) else { return [] }
        var a = top
        for v in values where v != .zero { a = min(a, v.trailingZeroBitCount / bits) }
        a = max(a, lowest)
        let top = max(top, a)
        let scaled = values.map { $0.floorShiftedRight(bits * a) }
        let limit = WideInteger.power(27)
        if scaled.allSatisfy({ !(limit < $0) && !($0 < -limit) }) { return [(a, scaled)] }
        // The top chunk at `top`, the remainder in pieces of `step` columns from `a` upward.
        let step = max(1, 24 / bits)
        var result: [(Int, [WideInteger])] = []
        let topValues = scaled.map { $0.floorShiftedRight(bits * (top - a)) }
        var remaining = zip(scaled, topValues).map { $0 - $1.shiftedLeft(bits * (top - a)) }
        var column = a
        while column < top {
            let width = min(step, top - column)
            let chunk = remaining.map { r in r - r.floorShiftedRight(bits * width).shiftedLeft(bits * width) }
            if chunk.contains(where: { $0 != .zero }) { result.append((column, chunk)) }
            remaining = zip(remaining, chunk).map { ($0 - $1).floorShiftedRight(bits * width) }
            column += width
        }
        if topValues.contains(where: { $0 != .zero }) { result.append((top, topValues)) }
        return result
    }

    /// The constant C of every lane as constant addends of columns (see `columnChunks`).
    mutating func offsetChunks(
        _ offsets: [WideInteger], bits: Int, lowest: Int, top: Int
    ) -> [Int: [RQOperand]] {
        var result: [Int: [RQOperand]] = [:]
        for (column, values) in Self.columnChunks(offsets, bits: bits, lowest: lowest, top: top) {
            result[column, default: []].append(operand(values.map { $0.int64 ?? Int64.max }))
        }
        return result
    }

    /// Adds the columns `Σ_w P_w · 2^(bits·w)` and their addends, divides by 2^shift with
    /// floor, and leaves the result in the tile, which must hold column `top`.
    ///
    /// Columns below `k = shift / bits` are carried upward (floor shifts by `bits`, then an
    /// add); columns above `k` are folded downward into the tile Horner-style (left shift by
    /// `bits`, add). The floor of the whole sum at column k is the sum of the upper columns
    /// (exact integers) and the floor of the lower part, so both directions are exact; the
    /// last shift divides by the remaining `shift − bits·level`.
    mutating func columnChain(
        columns: [Int: RQSlot], addends: [Int: [RQOperand]], bits: Int, shift n: Int, top: Int
    ) {
        precondition(columns[top] == .tile)
        let k = n / bits
        let f = min(k, top)
        var carry: RQSlot? = nil
        var carryColumn = 0
        for w in 0..<f {
            let extra = addends[w] ?? []
            guard columns[w] != nil || !extra.isEmpty else { continue }
            var v: RQSlot
            if let p = columns[w] {
                v = p
                if let c = carry {
                    shift(c, by: bits * (w - carryColumn))
                    alu(.add, v, .slot(c))
                }
            } else if let c = carry {
                shift(c, by: bits * (w - carryColumn))
                v = c
            } else if case .slot(let s)? = extra.first(where: { if case .slot = $0 { true } else { false } })
            {
                v = s
            } else {
                preconditionFailure("column \(w) has only constants below every content column")
            }
            for a in extra where a != .slot(v) { alu(.add, v, a) }
            carry = v
            carryColumn = w
        }
        if f == top {
            // Everything below the tile's column carries up into it.
            if let c = carry {
                shift(c, by: bits * (top - carryColumn))
                alu(.add, .tile, .slot(c))
            }
            for a in addends[top] ?? [] { alu(.add, .tile, a) }
            shift(.tile, by: n - bits * top)
            return
        }
        // Horner from the top column down to column k.
        for a in addends[top] ?? [] { alu(.add, .tile, a) }
        var level = top
        for w in stride(from: top - 1, through: k, by: -1) {
            let extra = addends[w] ?? []
            let hasCarry = w == k && carry != nil
            guard columns[w] != nil || !extra.isEmpty || hasCarry else { continue }
            shift(.tile, by: -bits * (level - w))
            level = w
            if let p = columns[w] { alu(.add, .tile, .slot(p)) }
            for a in extra { alu(.add, .tile, a) }
            if hasCarry, let c = carry {
                shift(c, by: bits * (k - carryColumn))
                alu(.add, .tile, .slot(c))
            }
        }
        shift(.tile, by: n - bits * level)
    }
}
