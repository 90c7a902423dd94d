import Partitioning
import TFLiteArithmetic
import VTATarget

/// One packed tensor an elementwise layer reads or writes, in the activations region.
public struct PackedOperand: Sendable, Equatable {
    /// Byte offset of the tensor (halo included) in the activations region.
    public var offset: Int
    public var halo: Padding2DHalo

    public init(offset: Int, halo: Padding2DHalo) {
        self.offset = offset
        self.halo = halo
    }
}

/// An ADD of two packed int8 tensors of one shape, evaluated as an exact linear rule.
public struct AddLayer: Sendable {
    /// Independent H × W planes: (N / BATCH) · channel blocks.
    public var planes: Int
    public var height: Int, width: Int
    public var input1: PackedOperand, input2: PackedOperand, output: PackedOperand
    public var rule: AddLinearRule
    /// The diagonal weight tiles of `AddLowering.digitValues(rule)`, consecutive in the
    /// constants region.
    public var tilesOffset: Int
    /// One ACC vector holding the rule's constant in every lane, when it is not added as an
    /// immediate (`AddLowering.immediateConstant(rule) == nil`).
    public var constantOffset: Int?

    public init(
        planes: Int, height: Int, width: Int, input1: PackedOperand, input2: PackedOperand,
        output: PackedOperand, rule: AddLinearRule, tilesOffset: Int, constantOffset: Int?
    ) {
        self.planes = planes
        self.height = height
        self.width = width
        self.input1 = input1
        self.input2 = input2
        self.output = output
        self.rule = rule
        self.tilesOffset = tilesOffset
        self.constantOffset = constantOffset
    }
}

/// Lowers ADD as `clamp((a·x1 + b·x2 + c) >> n)` (an `AddLinearRule`, exact by enumeration),
/// on every profile: the GEMM unit is the multiplier. Per tile of rows,
///
///     acc = 0;  for each base-256 digit of a and b, top first:  acc <<= 8 (not at the top),
///               acc += x1 ⊙ diag(a's digit) + x2 ⊙ diag(b's digit)        (GEMM)
///     acc >>= k; acc += c >> k; acc >>= n − k; clamp                      (ALU)
///
/// with k the trailing zero bits of c (floor((floor(L / 2^k) + c / 2^k) / 2^(n−k)) =
/// floor((L + c) / 2^n)), so the constant fits the 16-bit immediate. The partial sums stay
/// below 2^31 (checked). Tiles alternate between two halves of the input and accumulator
/// buffers, so the next tile's loads overlap this tile's compute and this tile's store the
/// next one's; micro-op kernels stay resident across tiles.
public enum AddLowering {
    /// Balanced base-256 digits of `w`, least significant first, each in −128...127.
    public static func digits(_ w: Int) -> [Int] {
        radixDigits(WideInteger(Int64(w)), bits: 8, balanced: true).map { Int($0) }
    }

    /// The distinct non-zero digits of both weights, ascending: one diagonal tile each.
    public static func digitValues(_ rule: AddLinearRule) -> [Int] {
        Array(Set(digits(rule.weight1) + digits(rule.weight2)).subtracting([0])).sorted()
    }

    /// The diagonal weight tiles for `digitValues(rule)` as the constants region holds them.
    public static func digitTiles(_ rule: AddLinearRule, config: HardwareConfig) -> [UInt8] {
        var bytes: [UInt8] = []
        for d in digitValues(rule) {
            var tile = [UInt8](repeating: 0, count: config.blockOut * config.blockIn)
            for i in 0..<config.blockIn { tile[i * config.blockIn + i] = UInt8(bitPattern: Int8(d)) }
            bytes += tile
        }
        return bytes
    }

    /// The tile counts that fit: two input tiles in a quarter of the input buffer each and the
    /// output in half the accumulator buffer (the fewest tiles), and at least three vectors per
    /// tile (the most).
    static func tileCounts(_ layer: AddLayer, config: HardwareConfig) -> ClosedRange<Int> {
        let lines = layer.planes * layer.height
        let limit = (1 << HardwareConfig.loopIterationBits) - 1
        let capacity = min(
            config.depth(.input) / (4 * layer.width), (config.depth(.accumulator) - 1) / (2 * layer.width),
            limit)
        let minimum = (3 + layer.width - 1) / layer.width
        let most = max(1, lines / minimum)
        return min((lines + capacity - 1) / capacity, most)...most
    }

    /// The default when nothing is searched: at least 8 tiles where each keeps 64 vectors or
    /// more (the first load and the last store are the only transfers compute does not hide).
    static func defaultTileCount(_ layer: AddLayer, config: HardwareConfig) -> Int {
        let counts = tileCounts(layer, config: config)
        let lines = layer.planes * layer.height
        return min(max(counts.lowerBound, min(8, lines * layer.width / 64)), counts.upperBound)
    }

    /// The tile count with the fewest modelled cycles among the default, a half, three
    /// quarters, one and a half and twice it, and the fewest that fit (each timed, after
    /// `prefix` when given).
    public static func chooseTileCount(
        _ layer: AddLayer, target: Target, after prefix: StreamBuilder? = nil
    ) -> Int {
        let counts = tileCounts(layer, config: target.config)
        let d = defaultTileCount(layer, config: target.config)
        var candidates: [Int] = []
        for n in [d, d / 2, d * 3 / 4, d * 3 / 2, d * 2, counts.lowerBound]
        where counts.contains(n) && !candidates.contains(n) {
            candidates.append(n)
        }
        return TilingSearch.cheapest(candidates, target: target, after: prefix) {
            (n, b) throws(LoweringError) in
            try emit(layer, into: &b, tiles: n)
        }?.choice ?? candidates[0]
    }

    /// Output rows (of one plane, counted across planes) per tile, evened out over `tiles`
    /// tiles (the default count when nil, clamped to what fits).
    static func linesPerTile(_ layer: AddLayer, config: HardwareConfig, tiles: Int? = nil) -> [Int] {
        let lines = layer.planes * layer.height
        let counts = tileCounts(layer, config: config)
        let n = min(
            max(tiles ?? defaultTileCount(layer, config: config), counts.lowerBound), counts.upperBound)
        return (0..<n).map { lines / n + ($0 < lines % n ? 1 : 0) }
    }

    /// Lowers the ADD in `tiles` tiles (the default count when nil).
    public static func emit(
        _ layer: AddLayer, into b: inout StreamBuilder, tiles: Int? = nil
    ) throws(LoweringError) {
        let config = b.config
        let rule = layer.rule
        let d1 = digits(rule.weight1)
        let d2 = digits(rule.weight2)
        let levels = max(d1.count, d2.count)
        try checkPartialSums(rule, d1, d2)
        guard layer.planes * layer.height * layer.width >= 3 else {
            throw LoweringError("ADD needs at least 3 vectors: the hazard rule")
        }
        guard 4 * layer.width <= config.depth(.input), 2 * layer.width < config.depth(.accumulator) else {
            throw LoweringError("an ADD row of \(layer.width) vectors does not fit the input buffer")
        }
        let values = digitValues(rule)
        let wgtBase = config.depth(.weight) - values.count
        if !values.isEmpty {
            b.load(
                .weight, sram: wgtBase, region: .constants, byteOffset: layer.tilesOffset, rows: 1,
                columns: values.count, stride: values.count)
        }
        let split = linesPerTile(layer, config: config, tiles: tiles)
        let capacity = split.max()! * layer.width
        // The constant, when it is not a single immediate, as one ACC vector after both halves.
        let constantIndex = 2 * capacity
        let immediate = immediateConstant(rule)
        if immediate == nil {
            guard let offset = layer.constantOffset else {
                throw LoweringError("ADD rule \(rule) needs its constant as an accumulator vector")
            }
            b.load(
                .accumulator, sram: constantIndex, region: .constants, byteOffset: offset, rows: 1,
                columns: 1, stride: 1)
        }
        // Every micro-op of both halves, loaded once and resident for the whole layer.
        var uops: [MicroOp] = []
        func slot(_ uop: MicroOp) -> Int {
            if let i = uops.firstIndex(of: uop) { return i }
            uops.append(uop)
            return uops.count - 1
        }
        struct Half {
            var x1: Int, x2: Int, acc: Int
            var reset = 0, inPlace = 0, addConstant = 0
            var products: [[(slot: Int, operand: Int)]] = []
        }
        var halves: [Half] = []
        for half in 0..<2 {
            var h = Half(x1: half * 2 * capacity, x2: half * 2 * capacity + capacity, acc: half * capacity)
            h.reset = slot(MicroOp(dst: h.acc))
            h.inPlace = slot(MicroOp(dst: h.acc, src: h.acc))
            h.addConstant = slot(MicroOp(dst: h.acc, src: constantIndex))
            for level in 0..<levels {
                var products: [(slot: Int, operand: Int)] = []
                for (operand, (digits, base)) in [(d1, h.x1), (d2, h.x2)].enumerated() {
                    let d = level < digits.count ? digits[level] : 0
                    guard d != 0, let tile = values.firstIndex(of: d) else { continue }
                    products.append((slot(MicroOp(dst: h.acc, src: base, wgt: wgtBase + tile)), operand))
                }
                h.products.append(products)
            }
            halves.append(h)
        }
        guard uops.count <= config.depth(.uop) else {
            throw LoweringError("ADD needs \(uops.count) micro-ops; the buffer holds \(config.depth(.uop))")
        }
        b.loadKernel(uops, at: 0)
        var first = 0
        for (t, count) in split.enumerated() {
            let h = halves[t % 2]
            transfer(layer.input1, layer, first, count) { sram, element, rows, stride in
                b.load(
                    .input, sram: h.x1 + sram, region: .activations,
                    byteOffset: layer.input1.offset + element * config.dramElementBytes(.input), rows: rows,
                    columns: layer.width, stride: stride)
            }
            transfer(layer.input2, layer, first, count) { sram, element, rows, stride in
                b.load(
                    .input, sram: h.x2 + sram, region: .activations,
                    byteOffset: layer.input2.offset + element * config.dramElementBytes(.input), rows: rows,
                    columns: layer.width, stride: stride)
            }
            let loop = (out: layer.width, in: 1)
            b.gemm(
                uops: h.reset..<(h.reset + 1), iterOut: count, iterIn: layer.width, dst: loop, src: (0, 0),
                wgt: (0, 0), reset: true)
            func alu(_ op: AluOpcode, _ immediate: Int) {
                b.alu(
                    op, uops: h.inPlace..<(h.inPlace + 1), iterOut: count, iterIn: layer.width, dst: loop,
                    src: loop, immediate: immediate)
            }
            for level in (0..<levels).reversed() {
                if level < levels - 1 { alu(.shr, -8) }
                for product in h.products[level] {
                    b.gemm(
                        uops: product.slot..<(product.slot + 1), iterOut: count, iterIn: layer.width,
                        dst: loop,
                        src: loop, wgt: (0, 0))
                }
            }
            let shiftMax = config.portableShiftRange.upperBound
            func shiftRight(_ amount: Int) {
                var remaining = amount
                while remaining > 0 {
                    alu(.shr, min(remaining, shiftMax))
                    remaining -= min(remaining, shiftMax)
                }
            }
            if let (early, addend) = immediate {
                shiftRight(early)
                if addend != 0 { alu(.add, addend) }
                shiftRight(rule.shift - early)
            } else {
                b.alu(
                    .add, uops: h.addConstant..<(h.addConstant + 1), iterOut: count, iterIn: layer.width,
                    dst: loop, src: (0, 0))
                shiftRight(rule.shift)
            }
            // Always: STORE keeps the low 8 bits, so the int8 range is a clamp too.
            alu(.max, rule.min)
            alu(.min, rule.max)
            transfer(layer.output, layer, first, count) { sram, element, rows, stride in
                b.store(
                    sram: h.acc + sram, region: .activations,
                    byteOffset: layer.output.offset + element * config.dramElementBytes(.output), rows: rows,
                    columns: layer.width, stride: stride)
            }
            first += count
        }
    }

    /// `(k, c >> k)` when the constant can be added as one ALU immediate after shifting by k,
    /// its trailing zero bits (floor((floor(L / 2^k) + c / 2^k) / 2^(n−k)) = floor((L + c) /
    /// 2^n)); nil when `c >> k` does not fit the immediate.
    public static func immediateConstant(_ rule: AddLinearRule) -> (Int, Int)? {
        let (k, addend) = splitConstant(rule)
        let half = 1 << (HardwareConfig.immediateBits - 1)
        return (-half..<half).contains(addend) ? (k, addend) : nil
    }

    /// `(k, c >> k)` with k the shift applied before adding the constant: its trailing zero
    /// bits (all of the shift when c is 0).
    static func splitConstant(_ rule: AddLinearRule) -> (Int, Int) {
        let k = rule.constant == 0 ? rule.shift : min(rule.constant.trailingZeroBitCount, rule.shift)
        return (k, rule.constant >> k)
    }

    /// The Horner partial sums `x1·hi1 + x2·hi2` (hi the weights' digits from the top down to
    /// one level) and the shifted constant stay within int32 for every int8 input.
    static func checkPartialSums(_ rule: AddLinearRule, _ d1: [Int], _ d2: [Int]) throws(LoweringError) {
        let levels = max(d1.count, d2.count)
        for level in 0..<max(levels, 1) {
            func high(_ d: [Int]) -> Int {
                var h = 0
                for i in stride(from: d.count - 1, through: level, by: -1) { h = h * 256 + d[i] }
                return h
            }
            // Before and after the shift by 8 that follows this level's products.
            let bound = 128 * (abs(high(d1)) + abs(high(d2))) << (level > 0 ? 8 : 0)
            guard bound < 1 << 31 else {
                throw LoweringError("ADD rule \(rule) overflows int32 in its partial sums")
            }
        }
        let (early, addend) = splitConstant(rule)
        guard rule.linearBound < 1 << 31, (rule.linearBound >> early) + abs(addend) < 1 << 31 else {
            throw LoweringError("ADD rule \(rule) overflows int32 with its constant")
        }
    }

    /// Calls `body(sramOffset, element, rows, stride)` for each run of `count` rows from row
    /// `first` (rows counted across planes) that one 2D transfer can move: a whole tile when
    /// the operand has no vertical halo, otherwise one run per plane.
    static func transfer(
        _ operand: PackedOperand, _ layer: AddLayer, _ first: Int, _ count: Int,
        _ body: (_ sram: Int, _ element: Int, _ rows: Int, _ stride: Int) -> Void
    ) {
        let paddedW = layer.width + operand.halo.left + operand.halo.right
        let paddedH = layer.height + operand.halo.top + operand.halo.bottom
        func element(_ line: Int) -> Int {
            let (plane, y) = line.quotientAndRemainder(dividingBy: layer.height)
            return (plane * paddedH + y + operand.halo.top) * paddedW + operand.halo.left
        }
        let contiguous = operand.halo.top + operand.halo.bottom == 0
        var line = first
        while line < first + count {
            let planeEnd = (line / layer.height + 1) * layer.height
            let end = contiguous ? first + count : min(first + count, planeEnd)
            body((line - first) * layer.width, element(line), end - line, paddedW)
            line = end
        }
    }
}
