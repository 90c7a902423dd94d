/// How a program learns the sign of x for the sign term D.
enum SignMode: Hashable, Sendable {
    /// No lane needs it.
    case none
    /// From the top digit of u = x − β (β = 0x80…80): its sign is the sign of x.
    case topDigit
    /// From a copy of x shifted right until only the sign is left.
    case copy
}

/// How a program sums the digit products and divides by 2^N.
enum ProductSum: Hashable, Sendable {
    /// Base-256 digits of M; column w (the products at 256^w) accumulates in its own
    /// temporary, and the column chain adds the columns (tensor ADDs), carrying upward and
    /// folding downward to column N / 8.
    case columns
    /// M's digits placed so that every product lands at or below bit N; Horner from the
    /// lowest bit position up, in the tile itself (`hornerUpward`): one immediate SHR per
    /// position instead of a column's reset, shift and tensor ADD. `topScaled`: the top
    /// operand digit is stored times 2^t (as far as int8 allows), so that M's digits against
    /// it may sit t bits higher (a smaller N) at the price of products off the 8-bit grid
    /// (more positions, so more shifts).
    case inPlace(topScaled: Bool)

    static let all: [ProductSum] = [.columns, .inPlace(topScaled: false), .inPlace(topScaled: true)]

    var isInPlace: Bool { self != .columns }
}

/// A program a route built, with the offsets it folded in.
struct BuiltRoute: Sendable {
    var program: RQProgram
    var name: String
    /// The right shift N of each channel's rule.
    var shifts: [Int]

    init(program: RQProgram, name: String, input: RouteInput) {
        self.program = program
        self.name = name
        shifts = input.lanes.map { input.shift + $0.extraShift }
    }
}

/// The stock route (MIN/MAX/ADD/SHR and GEMM): the exact product of x and M from int8 digits.
///
/// 1. Clamp x = clamp(acc) (MAX/MIN) so that it has few digits. With a sign term, add
///    δ = −β = −0x80…80 (nA−1 bytes of 0x80): then the top digit of u = x + δ is
///    floor(x / 256^(nA−1)), negative exactly when x is.
/// 2. Split u into signed int8 digits with STORE (which keeps the low 8 bits) and
///    `u_(j+1) = (u_j + 128) >> 8`: u_j = s_j + 256·u_(j+1) with s_j = trunc8(u_j) ∈ [−128, 127]
///    because (u_j + 128) − trunc8(u_j + 128) … i.e. u_j + 128 ≡ s_j + 128 (mod 256) with
///    s_j + 128 ∈ [0, 255]. One STORE per digit for the whole tile, one LOAD INP for all.
///    σ = (top digit) >> 8 ∈ {−1, 0} is one more digit.
/// 3. GEMM with diagonal weight tiles multiplies digit j by M's balanced base-256 digit i
///    (per channel on the diagonal) into column i + j; σ times the digits of −D adds the sign
///    term. Every product is at most 2^14 in magnitude, a column holds at most 4 of them
///    plus a carry, so columns stay below 2^17.
/// 4. The column chain (`columnChain`) adds the columns and C and shifts right by N; MAX/MIN
///    clamp the result if the rule does not land on the activation bounds by itself.
enum GemmDigitsRoute {
    static let digitBits = 8

    /// 128 + 128·256 + … (n − 1 terms).
    static func beta(_ n: Int) -> Int64 {
        var b: Int64 = 0
        for _ in 0..<max(n - 1, 0) { b = b * 256 + 128 }
        return b
    }

    /// The digits a lane range needs: the top digit `floor((x + β)/256^(n−1))` in int8.
    static func digitCount(_ ranges: [RQRange], signed: Bool) -> Int? {
        for n in 1...5 {
            let ok = ranges.allSatisfy { r in
                if signed {
                    let half = Int64(1) << (8 * n - 1)
                    return r.lower >= -half && r.upper < half
                }
                var t = r
                for _ in 0..<(n - 1) { t = RQRange((t.lower + 128) >> 8, (t.upper + 128) >> 8) }
                return t.lower >= -128 && t.upper <= 127
            }
            if ok { return n }
        }
        return nil
    }

    static func build(_ input: RouteInput, sign mode: SignMode, sum: ProductSum = .columns) -> BuiltRoute? {
        let lanes = input.lanes
        var p = RQProgram(lanes: lanes.count)
        let sign = input.needsSign
        guard sign == (mode != .none) else { return nil }
        if lanes.allSatisfy({ $0.multiplier == 0 }) { return constantProgram(input) }
        guard let nA = digitCount(lanes.map(\.x), signed: mode == .topDigit) else { return nil }
        let delta: Int64 = mode == .topDigit ? -beta(nA) : 0
        // C for u = x + δ: x·M + C = u·M + (C − δ·M).
        var offsets: [WideInteger] = []
        for l in lanes {
            let shifted = WideInterval(
                lower: l.offsets.lower.map { $0 - WideInteger.product(delta, l.multiplier) },
                upper: l.offsets.upper.map { $0 - WideInteger.product(delta, l.multiplier) })
            guard let c = shifted.simplest else { return nil }
            offsets.append(c)
        }
        let n = input.shift
        // Per lane, the range of u_j (the value digit j is stored from).
        let digitRanges = lanes.map { l in
            var r = RQRange(l.x.lower + delta, l.x.upper + delta)
            var ranges = [r]
            for _ in 1..<max(nA, 1) {
                r = RQRange((r.lower + 128) >> 8, (r.upper + 128) >> 8)
                ranges.append(r)
            }
            return ranges
        }
        // The in-place sum may pre-scale the top digit by 2^t (as far as int8 allows), so that
        // M's digits against it may sit t bits higher without a product passing bit N.
        var topScale = 0
        if sum == .inPlace(topScaled: true) && nA > 1 {
            let top = RQRange(
                digitRanges.map { $0[nA - 1].lower }.min()!, digitRanges.map { $0[nA - 1].upper }.max()!)
            while topScale < 7, top.lower << (topScale + 1) >= -128, top.upper << (topScale + 1) <= 127 {
                topScale += 1
            }
        }
        let found: [PlacedProduct]?
        switch sum {
        case .columns: found = DigitProducts.columns(lanes, operandDigits: nA)
        case .inPlace:
            let operandPositions = (0..<nA).map { digitBits * $0 - ($0 == nA - 1 ? topScale : 0) }
            let live = digitRanges.map { $0.map { $0 != RQRange(0) } }
            found = DigitProducts.inPlace(lanes, operandPositions: operandPositions, live: live, shift: n)
        }
        guard let products = found, let topPosition = products.map(\.position).max(),
            let lowestPosition = products.map(\.position).min()
        else {
            return nil
        }
        let top = topPosition / digitBits
        let lowest = lowestPosition / digitBits
        var columns: [Int: RQSlot] = [top: .tile]
        if sum == .columns {
            for q in products where columns[q.position / digitBits] == nil {
                columns[q.position / digitBits] = p.newTemp()
            }
        }
        // The sign by copy needs a zeroed vector before the digits: reuse a column's.
        var signSlot: RQSlot? = nil
        if mode == .copy {
            let s = columns.values.first(where: { $0 != .tile }) ?? p.newTemp()
            signSlot = s
            p.ops.append(.reset([s]))
        }
        p.inputClamp(input)
        var tileWritten = input.needsLowClamp || input.needsHighClamp
        if let s = signSlot {
            p.alu(.add, s, .slot(.tile))
            var r = RQRange(lanes.map(\.x.lower).min()!, lanes.map(\.x.upper).max()!)
            while r.lower < -1 || r.upper > 0 {
                p.alu(.shr, s, .immediate(15))
                r = RQRange(r.lower >> 15, r.upper >> 15)
            }
        }
        if delta != 0 {
            p.alu(.add, .tile, p.operand([Int64](repeating: delta, count: lanes.count)))
            tileWritten = true
        }
        // STORE reads OUT, which only GEMM and ALU write: make sure an ALU op wrote the tile.
        if !tileWritten { p.alu(.add, .tile, .immediate(0)) }
        p.ops.append(.storeDigit(slot: .tile, index: 0))
        var range = RQRange(lanes.map(\.x.lower).min()! + delta, lanes.map(\.x.upper).max()! + delta)
        for j in 1..<nA {
            if range.upper + 128 <= Int64(Int32.max) {
                p.alu(.add, .tile, .immediate(128))
                p.alu(.shr, .tile, .immediate(8))
            } else {
                // (u + 128) >> 8 = ((u >> 1) + 64) >> 7, without overflow near 2^31.
                p.alu(.shr, .tile, .immediate(1))
                p.alu(.add, .tile, .immediate(64))
                p.alu(.shr, .tile, .immediate(7))
            }
            range = RQRange((range.lower + 128) >> 8, (range.upper + 128) >> 8)
            if j == nA - 1 && topScale > 0 { p.alu(.shr, .tile, .immediate(Int32(-topScale))) }
            p.ops.append(.storeDigit(slot: .tile, index: j))
        }
        if sign {
            if let s = signSlot {
                p.ops.append(.storeDigit(slot: s, index: nA))
            } else {
                p.alu(.shr, .tile, .immediate(Int32(8 + topScale)))
                p.ops.append(.storeDigit(slot: .tile, index: nA))
            }
        }
        p.digitCount = nA + (sign ? 1 : 0)
        p.ops.append(.loadDigits(p.digitCount))
        switch sum {
        case .columns:
            p.ops.append(.reset((0..<p.tempCount).map { RQSlot.temp($0) } + [.tile]))
            p.ops.append(
                .products(
                    products.map { q in
                        RQProduct(
                            dst: columns[q.position / digitBits]!, digit: q.digit,
                            weights: p.weightTile(q.weights))
                    }))
            let k = n / digitBits
            let chunks = p.offsetChunks(offsets, bits: digitBits, lowest: lowest, top: min(k, top))
            p.columnChain(columns: columns, addends: chunks, bits: digitBits, shift: n, top: top)
        case .inPlace:
            p.sumInPlace(products, offsets: offsets, shift: n)
        }
        p.laneShift(input)
        p.outputClamp(input)
        guard !p.invalid else { return nil }
        let signName = mode == .none ? "" : mode == .topDigit ? " +sign digit" : " +sign copy"
        let nM = products.filter { $0.digit == 0 }.count
        let sumName = sum.isInPlace ? " in place" : ""
        return BuiltRoute(program: p, name: "gemm-digits \(nA)x\(nM)\(signName)\(sumName)", input: input)
    }

    /// Every lane constant: MIN then MAX pin the tile to the value.
    static func constantProgram(_ input: RouteInput) -> BuiltRoute? {
        var p = RQProgram(lanes: input.lanes.count)
        var values: [Int64] = []
        for l in input.lanes {
            guard let c = l.offsets.simplest, let v = c.floorShiftedRight(input.shift + l.extraShift).int64
            else {
                return nil
            }
            values.append(min(max(v, Int64(input.outputMin)), Int64(input.outputMax)))
        }
        let operand = p.operand(values)
        p.alu(.min, .tile, operand)
        p.alu(.max, .tile, operand)
        guard !p.invalid else { return nil }
        return BuiltRoute(program: p, name: "constant", input: input)
    }
}
