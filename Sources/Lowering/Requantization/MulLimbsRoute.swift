/// The extended route (ALU MUL, low 32 bits): the exact product of x and M from limbs.
///
/// 1. Clamp x = clamp(acc) (MAX/MIN).
/// 2. Sign term: σ = x shifted right by 15 until it is −1 or 0 (a copy of x), times the
///    chunks of E = −D (MUL; each chunk below 2^27), added at the chunks' columns.
/// 3. With nA > 1 accumulator limbs of L ≤ 15 bits, split x: the low limb is
///    x − 2^L·floor(x/2^L) ∈ [0, 2^L) (copy, SHR, copy, MUL by the immediate −2^L, ADD), the
///    tile keeps floor(x/2^L) and is split again.
/// 4. M in unsigned base-2^L limbs m_i (per-channel constant vectors, or an immediate when
///    every channel shares a 16-bit value): product x_j·m_i = copy of the limb, MUL, added to
///    column i + j. The top product multiplies the tile in place. L is chosen so that every
///    product and column sum stays below 2^31 (checked by the interval analysis).
/// 5. The column chain adds the columns and C and shifts right by N; MAX/MIN clamp if needed.
enum MulLimbsRoute {
    static func build(_ input: RouteInput, limbBits bits: Int, accumulatorLimbs nA: Int) -> BuiltRoute? {
        let lanes = input.lanes
        guard nA == 1 || bits <= 15 else { return nil }
        if lanes.allSatisfy({ $0.multiplier == 0 }) { return GemmDigitsRoute.constantProgram(input) }
        var p = RQProgram(lanes: lanes.count)
        let mLimbs = lanes.map { radixDigits(WideInteger($0.multiplier), bits: bits, balanced: false) }
        let nM = mLimbs.map(\.count).max() ?? 0
        guard nM >= 1 else { return nil }
        let top = nM - 1 + nA - 1
        var offsets: [WideInteger] = []
        for l in lanes {
            guard let c = l.offsets.simplest else { return nil }
            offsets.append(c)
        }
        p.inputClamp(input)
        var addends: [Int: [RQOperand]] = [:]
        let k = input.shift / bits
        if input.needsSign {
            // σ = −[x < 0] from a copy of x, times the chunks of E = −D (one copy of σ per
            // extra chunk), added at the chunks' columns.
            let e = lanes.map { -$0.negativeOffset }
            let chunks = RQProgram.columnChunks(e, bits: bits, lowest: 0, top: min(k, top))
            let s = p.newTemp()
            p.alu(.add, s, .slot(.tile))
            var r = RQRange(lanes.map(\.x.lower).min()!, lanes.map(\.x.upper).max()!)
            while r.lower < -1 || r.upper > 0 {
                p.alu(.shr, s, .immediate(15))
                r = RQRange(r.lower >> 15, r.upper >> 15)
            }
            for (index, chunk) in chunks.enumerated() {
                let target = index == chunks.count - 1 ? s : p.newTemp()
                if target != s { p.alu(.add, target, .slot(s)) }
                let values = chunk.values.map { $0.int64 ?? Int64.max }
                // Lanes without a sign term have 0 here; σ·1 needs no MUL.
                if !values.allSatisfy({ $0 == 1 }) { p.alu(.mul, target, p.operand(values)) }
                addends[chunk.column, default: []].append(.slot(target))
            }
        }
        // Accumulator limbs: limb j < nA − 1 in a temporary, the top one in the tile.
        var limbs: [RQSlot] = []
        for _ in 0..<(nA - 1) {
            let low = p.newTemp()
            let scratch = p.newTemp()
            p.alu(.add, low, .slot(.tile))
            p.alu(.shr, .tile, .immediate(Int32(bits)))
            p.alu(.add, scratch, .slot(.tile))
            p.alu(.mul, scratch, .immediate(-(Int32(1) << bits)))
            p.alu(.add, low, .slot(scratch))
            p.ops.append(.refine(low, RQRange(0, (Int64(1) << bits) - 1)))
            limbs.append(low)
        }
        limbs.append(.tile)
        // Products, the top one (in the tile) last.
        var columns: [Int: RQSlot] = [top: .tile]
        for i in 0..<nM {
            let m = mLimbs.map { i < $0.count ? $0[i] : 0 }
            guard m.contains(where: { $0 != 0 }) else { continue }
            for j in 0..<nA where !(i == nM - 1 && j == nA - 1) {
                let t = p.newTemp()
                p.alu(.add, t, .slot(limbs[j]))
                p.alu(.mul, t, p.operand(m))
                if let c = columns[i + j] {
                    p.alu(.add, c, .slot(t))
                } else {
                    columns[i + j] = t
                }
            }
        }
        p.alu(.mul, .tile, p.operand(mLimbs.map { nM - 1 < $0.count ? $0[nM - 1] : 0 }))
        let contentColumns = Array(columns.keys) + Array(addends.keys)
        let lowest = contentColumns.min()!
        for (column, chunk) in p.offsetChunks(offsets, bits: bits, lowest: lowest, top: min(k, top)) {
            addends[column, default: []] += chunk
        }
        p.columnChain(columns: columns, addends: addends, bits: bits, shift: input.shift, top: top)
        p.laneShift(input)
        p.outputClamp(input)
        if p.tempCount > 0 { p.ops.insert(.reset((0..<p.tempCount).map { RQSlot.temp($0) }), at: 0) }
        guard !p.invalid else { return nil }
        return BuiltRoute(program: p, name: "mul-limbs \(nA)x\(nM) (\(bits)-bit limbs)", input: input)
    }
}
