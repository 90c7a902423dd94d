/// One digit product of the stock route: operand digit `digit` (the sign digit when it is
/// past the operand's digits) times a diagonal weight tile of per-lane `weights`, worth
/// `2^position` in x·M (or in [x < 0]·D).
struct PlacedProduct: Sendable {
    var position: Int
    var digit: Int
    var weights: [Int8]
}

/// Where the stock route's digit products land: which digits of M (and of −D) multiply
/// which operand digit.
enum DigitProducts {
    static let digitBits = GemmDigitsRoute.digitBits

    /// Base-256 digits of M times each operand digit j (at 256^j), and of −D times the sign
    /// digit: products land at multiples of 8 bits, for the column chain.
    static func columns(_ lanes: [RouteInput.Lane], operandDigits nA: Int) -> [PlacedProduct]? {
        let positions = Array(stride(from: 0, to: 64, by: digitBits))
        var result: [PlacedProduct] = []
        guard let m = laneDigits(lanes.map { WideInteger($0.multiplier) }, at: positions),
            let e = laneDigits(lanes.map { -$0.negativeOffset }, at: positions)
        else { return nil }
        for (position, w) in m {
            for j in 0..<nA {
                result.append(PlacedProduct(position: position + digitBits * j, digit: j, weights: w))
            }
        }
        for (position, w) in e { result.append(PlacedProduct(position: position, digit: nA, weights: w)) }
        return result
    }

    /// Every product at or below bit `shift`, for the in-place sum: operand digit j sits at
    /// bit `operandPositions[j]` (the top one may be pre-scaled, so lower than 8j), and M is
    /// written separately for each operand digit with its digits no higher than
    /// `shift − operandPositions[j]`; −D likewise for the sign digit (at bit 0).
    ///
    /// `live[l][j]` is false when lane l's operand digit j is always 0: its M digits against
    /// that digit are then 0 too (they could not contribute), so a narrow lane does not need
    /// the wide lanes' placement.
    static func inPlace(
        _ lanes: [RouteInput.Lane], operandPositions: [Int], live: [[Bool]], shift n: Int
    ) -> [PlacedProduct]? {
        var result: [PlacedProduct] = []
        let all = lanes.map { WideInteger($0.multiplier) }
        for (j, base) in operandPositions.enumerated() {
            // Every lane's M where that fits (the operand digits then share weight tiles),
            // else only the lanes that use this digit.
            let used = lanes.indices.map { live[$0][j] ? all[$0] : .zero }
            guard
                let (multipliers, positions) = [all, used].lazy.compactMap({ values in
                    Self.positions(for: values, limit: n - base).map { (values, $0) }
                }).first,
                let m = laneDigits(multipliers, at: positions)
            else { return nil }
            for (position, w) in m {
                result.append(PlacedProduct(position: base + position, digit: j, weights: w))
            }
        }
        let e = lanes.map { -$0.negativeOffset }
        guard let positions = positions(for: e, limit: n), let digits = laneDigits(e, at: positions) else {
            return nil
        }
        for (position, w) in digits {
            result.append(PlacedProduct(position: position, digit: operandPositions.count, weights: w))
        }
        return result
    }

    /// Bit positions for balanced int8 digits of every value, none above `limit`: 0, 8, 16…
    /// (the fewest digits) when the top one stays within the limit, else `limit` and 8 apart
    /// downward, with 0 (the lowest digit then holds fewer than 8 bits). Nil when no
    /// placement fits.
    static func positions(for values: [WideInteger], limit: Int) -> [Int]? {
        guard limit >= 0, let low = values.min(by: <), let high = values.max(by: <) else { return nil }
        // The top digit is a non-decreasing function of the value (a chain of rounded
        // divisions), so the extremes decide whether every value fits.
        func fits(_ positions: [Int]) -> Bool {
            placedDigits(low, at: positions) != nil && placedDigits(high, at: positions) != nil
        }
        for count in 1...8 {
            let aligned = (0..<count).map { digitBits * $0 }
            guard aligned.last! <= limit else { break }
            if fits(aligned) { return aligned }
        }
        let fromTop = Array(Set(stride(from: limit, to: 0, by: -digitBits)).union([0])).sorted()
        return fits(fromTop) ? fromTop : nil
    }

    /// The digits of every lane's value at `positions`, one weight diagonal per position,
    /// leaving out positions where every lane's digit is 0. Nil when a value does not fit.
    static func laneDigits(
        _ values: [WideInteger], at positions: [Int]
    ) -> [(position: Int, weights: [Int8])]? {
        var perLane: [[Int64]] = []
        for v in values {
            guard let d = placedDigits(v, at: positions) else { return nil }
            perLane.append(d)
        }
        return positions.indices.compactMap { i in
            let w = perLane.map { Int8($0[i]) }
            return w.contains { $0 != 0 } ? (positions[i], w) : nil
        }
    }

    /// `value` as balanced digits at ascending bit `positions` (the first 0): each digit but
    /// the last holds the bits up to the next position, centred on 0; the last takes the
    /// rest. Nil when the last does not fit int8.
    static func placedDigits(_ value: WideInteger, at positions: [Int]) -> [Int64]? {
        var rest = value
        var digits: [Int64] = []
        for (i, position) in positions.enumerated() {
            guard i + 1 < positions.count else {
                guard let d = rest.int64, d >= -128, d <= 127 else { return nil }
                digits.append(d)
                break
            }
            let width = positions[i + 1] - position
            precondition(width <= digitBits)
            let q = (rest + WideInteger.power(width - 1)).floorShiftedRight(width)
            digits.append((rest - q.shiftedLeft(width)).int64!)
            rest = q
        }
        return digits
    }
}
