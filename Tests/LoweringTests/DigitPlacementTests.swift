import Testing

@testable import Lowering

/// The in-place sum's pieces on their own: M's digits at chosen bit positions, where those
/// positions go, and the constant C split into addends.
@Suite struct DigitPlacementTests {
    /// Digits at any ascending positions (gaps of at most 8 bits) add back up to the value,
    /// each within int8; nil only when the top digit would not fit.
    @Test func placedDigitsReconstruct() {
        var rng = RequantRNG(seed: 41)
        var placed = 0
        for _ in 0..<2000 {
            var positions = [0]
            for _ in 0..<rng.int(0...4) { positions.append(positions.last! + rng.int(1...8)) }
            let value = WideInteger(Int64(rng.int(-(Int64(1) << 40)...(Int64(1) << 40))) >> rng.int(0...40))
            let top = positions.last!
            guard let digits = DigitProducts.placedDigits(value, at: positions) else {
                // Nil means even the best top digit leaves int8: |value| is past what fits.
                #expect(
                    !(value.floorShiftedRight(top) < WideInteger(120))
                        || value.floorShiftedRight(top) < WideInteger(-120))
                continue
            }
            placed += 1
            #expect(digits.allSatisfy { $0 >= -128 && $0 <= 127 })
            var sum = WideInteger.zero
            for (d, p) in zip(digits, positions) { sum = sum + WideInteger(d).shiftedLeft(p) }
            #expect(sum == value, "\(value.int64!) at \(positions): \(digits)")
        }
        #expect(placed > 500)
    }

    /// Positions stay within the limit, start at 0 and carry every value exactly; aligned
    /// base-256 positions when they fit.
    @Test func positionsRespectTheLimit() {
        var rng = RequantRNG(seed: 42)
        for _ in 0..<500 {
            let values = (0..<rng.int(1...6)).map { _ in
                WideInteger(rng.int(0...(Int64(1) << rng.int(1...30))))
            }
            let limit = rng.int(0...40)
            guard let positions = DigitProducts.positions(for: values, limit: limit) else { continue }
            #expect(positions.first == 0)
            #expect(positions.allSatisfy { $0 <= limit })
            #expect(values.allSatisfy { DigitProducts.placedDigits($0, at: positions) != nil })
            if values.allSatisfy({ DigitProducts.placedDigits($0, at: [0, 8, 16, 24, 32, 40]) != nil })
                && limit >= 40
            {
                #expect(positions.allSatisfy { $0 % 8 == 0 })
            }
        }
        // 2^20 needs its top digit at bit 14 or above (2^20 / 2^13 = 128 is past int8).
        #expect(DigitProducts.positions(for: [WideInteger(Int64(1) << 20)], limit: 13) == nil)
        #expect(DigitProducts.positions(for: [WideInteger(Int64(1) << 20)], limit: 14) == [0, 6, 14])
    }

    /// The constant's chunks add back up to C (less the bits below the first stop), sit
    /// between the first stop and N, and each below N stays below 2^29 in magnitude.
    @Test func constantChunksAddUp() {
        var rng = RequantRNG(seed: 43)
        for _ in 0..<500 {
            var stops = [rng.int(0...6)]
            for _ in 0..<rng.int(1...6) { stops.append(stops.last! + rng.int(1...8)) }
            let n = stops.last!
            let values = (0..<rng.int(1...5)).map { _ in
                WideInteger(rng.int(-(Int64(1) << 50)...(Int64(1) << 50))).floorShiftedRight(rng.int(0...20))
            }
            let chunks = RQProgram.positionChunks(values, stops: stops)
            for (lane, v) in values.enumerated() {
                var sum = WideInteger.zero
                for chunk in chunks {
                    #expect(chunk.position >= stops[0] && chunk.position <= n)
                    let c = chunk.values[lane]
                    if chunk.position < n {
                        #expect(c < WideInteger.power(29) && !(c < -WideInteger.power(29)))
                    }
                    sum = sum + c.shiftedLeft(chunk.position)
                }
                let expected = v.floorShiftedRight(stops[0]).shiftedLeft(stops[0])
                #expect(sum == expected, "C \(v.int64!) stops \(stops) n \(n)")
            }
        }
    }
}
