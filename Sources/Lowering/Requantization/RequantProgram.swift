import VTATarget

/// A vector of the tile being requantized: the tile itself or one of the temporaries. Each
/// stands for one ACC entry per tile vector.
enum RQSlot: Hashable, Sendable, CustomStringConvertible {
    case tile
    case temp(Int)

    var description: String {
        switch self {
        case .tile: "tile"
        case .temp(let t): "t\(t)"
        }
    }
}

/// The second operand of an ALU operation.
enum RQOperand: Hashable, Sendable {
    /// A 16-bit immediate, the same for every lane.
    case immediate(Int32)
    /// A per-channel constant vector (loaded once per layer).
    case constant(Int)
    /// Another vector of the same tile position.
    case slot(RQSlot)
}

/// One digit product: `dst += digit ⊙ diagonal(weights)` (GEMM with a diagonal weight tile).
struct RQProduct: Hashable, Sendable {
    var dst: RQSlot
    var digit: Int
    var weights: Int
}

/// One step of a requantization program. Steps apply to every vector of the tile.
enum RQOp: Hashable, Sendable {
    case alu(AluOpcode, RQSlot, RQOperand)
    /// GEMM reset: the slots become 0.
    case reset([RQSlot])
    /// STORE of the tile's OUT (its low 8 bits) as digit vector `index` in the scratch area.
    case storeDigit(slot: RQSlot, index: Int)
    /// LOAD INP of digit vectors 0..<count from the scratch area.
    case loadDigits(Int)
    /// GEMM accumulating these products (emitted in a hazard-free order).
    case products([RQProduct])
    /// No instruction: a fact about the result of the operation just before (on this slot)
    /// that the construction guarantees (a limb x − 2^L·floor(x/2^L) lies in [0, 2^L)) and the
    /// interval analysis cannot see through its separate operands.
    case refine(RQSlot, RQRange)
}

/// A requantization program in lane-parallel form, with its per-channel constants. The same
/// value drives the emitter (instructions), the exact emulator (one lane, one accumulator)
/// and the interval analysis (no int32 overflow anywhere).
struct RQProgram: Sendable {
    var ops: [RQOp] = []
    var tempCount = 0
    /// Digit vectors per tile vector in the scratch area and the INP buffer.
    var digitCount = 0
    /// Per-channel constant vectors, each `lanes` values (channels padded to whole blocks).
    var constants: [[Int32]] = []
    /// Per-channel diagonals of the weight tiles, each `lanes` values.
    var weightTiles: [[Int8]] = []
    /// Lanes (channels padded to whole blocks).
    var lanes: Int
    /// Set when a constant did not fit its field (int32 lane, int8 weight): the program is unusable.
    var invalid = false
    var invalidReason: String? = nil

    init(lanes: Int) { self.lanes = lanes }

    mutating func newTemp() -> RQSlot {
        tempCount += 1
        return .temp(tempCount - 1)
    }

    mutating func constant(_ values: [Int32]) -> RQOperand {
        precondition(values.count == lanes)
        if let i = constants.firstIndex(of: values) { return .constant(i) }
        constants.append(values)
        return .constant(constants.count - 1)
    }

    /// An operand for per-lane values: an immediate when every lane has the same 16-bit
    /// value, a constant vector otherwise.
    mutating func operand(_ values: [Int64]) -> RQOperand {
        if let first = values.first, values.allSatisfy({ $0 == first }), first >= -32768, first <= 32767 {
            return .immediate(Int32(first))
        }
        if let v = values.first(where: { $0 < Int64(Int32.min) || $0 > Int64(Int32.max) }) {
            invalid = true
            invalidReason = invalidReason ?? "constant \(v) after operation \(ops.count) exceeds int32"
        }
        return constant(values.map { Int32(truncatingIfNeeded: $0) })
    }

    mutating func weightTile(_ values: [Int8]) -> Int {
        precondition(values.count == lanes)
        if let i = weightTiles.firstIndex(of: values) { return i }
        weightTiles.append(values)
        return weightTiles.count - 1
    }

    /// Consecutive weight tiles holding `tiles` in order (an existing run, or appended): the
    /// index of the first. A GEMM loop can then step through them.
    mutating func weightRun(_ tiles: [[Int8]]) -> Int {
        precondition(tiles.allSatisfy { $0.count == lanes })
        if tiles.count <= weightTiles.count {
            for start in 0...(weightTiles.count - tiles.count)
            where Array(weightTiles[start..<(start + tiles.count)]) == tiles {
                return start
            }
        }
        weightTiles += tiles
        return weightTiles.count - tiles.count
    }

    mutating func alu(_ op: AluOpcode, _ slot: RQSlot, _ operand: RQOperand) {
        ops.append(.alu(op, slot, operand))
    }

    /// SHR by `amount` (negative: left), split into steps the stock ALU accepts (-16…15).
    mutating func shift(_ slot: RQSlot, by amount: Int) {
        var left = amount
        while left > 0 {
            let step = min(left, 15)
            alu(.shr, slot, .immediate(Int32(step)))
            left -= step
        }
        while left < 0 {
            let step = max(left, -16)
            alu(.shr, slot, .immediate(Int32(step)))
            left -= step
        }
    }

    func operandValue(_ operand: RQOperand, lane: Int, slots: (RQSlot) -> Int32) -> Int32 {
        switch operand {
        case .immediate(let v): v
        case .constant(let k): constants[k][lane]
        case .slot(let s): slots(s)
        }
    }
}

extension RQProgram {
    /// Operation `index` in assembly-like form, for messages.
    func describe(_ index: Int) -> String {
        switch ops[index] {
        case .alu(let code, let slot, let operand):
            let b: String =
                switch operand {
                case .immediate(let v): "#\(v)"
                case .constant(let k): "const\(k)"
                case .slot(let s): "\(s)"
                }
            return "#\(index) \(code.mnemonic) \(slot), \(b)"
        case .reset(let slots): return "#\(index) reset \(slots)"
        case .storeDigit(let slot, let i): return "#\(index) store \(slot) as digit \(i)"
        case .loadDigits(let n): return "#\(index) load \(n) digits"
        case .products(let ps): return "#\(index) \(ps.count) products"
        case .refine(let slot, let r): return "#\(index) \(slot) in \(r)"
        }
    }

    /// The whole program, one operation per line.
    var listing: String { ops.indices.map(describe).joined(separator: "\n") }
}

// MARK: - Exact emulation

/// The tile and the temporaries while a program is interpreted, exactly (`Int32`) or by
/// intervals (`RQRange`).
struct RQRegisters<Value> {
    var tile: Value
    var temps: [Value]

    subscript(_ slot: RQSlot) -> Value {
        get {
            switch slot {
            case .tile: tile
            case .temp(let t): temps[t]
            }
        }
        set {
            switch slot {
            case .tile: tile = newValue
            case .temp(let t): temps[t] = newValue
            }
        }
    }
}

extension RQProgram {
    /// What the hardware leaves in the tile for one lane and one accumulator value: int32
    /// wrap-around arithmetic, VTA's shift semantics, STORE's truncation to the low 8 bits.
    func emulate(_ acc: Int32, lane: Int) -> Int32 {
        var r = RQRegisters(tile: acc, temps: [Int32](repeating: 0, count: tempCount))
        var digits = [Int8](repeating: 0, count: digitCount)
        var input = [Int8](repeating: 0, count: digitCount)
        for op in ops {
            switch op {
            case .alu(let code, let slot, let operand):
                let a = r[slot]
                let b = operandValue(operand, lane: lane) { r[$0] }
                r[slot] = Self.apply(code, a, b)
            case .reset(let slots):
                for s in slots { r[s] = 0 }
            case .storeDigit(let slot, let index):
                digits[index] = Int8(truncatingIfNeeded: r[slot])
            case .loadDigits(let count):
                for i in 0..<count { input[i] = digits[i] }
            case .refine:
                break
            case .products(let products):
                for p in products {
                    r[p.dst] = r[p.dst] &+ Int32(input[p.digit]) &* Int32(weightTiles[p.weights][lane])
                }
            }
        }
        return r.tile
    }

    /// One ALU operation as the hardware computes it.
    static func apply(_ op: AluOpcode, _ a: Int32, _ b: Int32) -> Int32 {
        switch op {
        case .min: return min(a, b)
        case .max: return max(a, b)
        case .add: return a &+ b
        case .mul: return a &* b
        case .shr:
            if b >= 0 { return b > 31 ? (a < 0 ? -1 : 0) : a >> b }
            let n = -Int64(b)
            return n > 31 ? 0 : Int32(truncatingIfNeeded: UInt32(bitPattern: a) << UInt32(n))
        }
    }
}

// MARK: - Interval analysis

/// A closed interval of int64 values.
struct RQRange: Hashable, Sendable, CustomStringConvertible {
    var lower: Int64
    var upper: Int64

    init(_ lower: Int64, _ upper: Int64) {
        self.lower = lower
        self.upper = upper
    }

    init(_ value: Int64) { self.init(value, value) }

    static let int8 = RQRange(-128, 127)
    var fitsInt32: Bool { lower >= Int64(Int32.min) && upper <= Int64(Int32.max) }
    var description: String { "[\(lower), \(upper)]" }

    static func + (a: RQRange, b: RQRange) -> RQRange { RQRange(a.lower + b.lower, a.upper + b.upper) }

    func times(_ c: Int64) -> RQRange {
        let (x, y) = (lower * c, upper * c)
        return RQRange(min(x, y), max(x, y))
    }

    func times(_ r: RQRange) -> RQRange {
        let v = [lower * r.lower, lower * r.upper, upper * r.lower, upper * r.upper]
        return RQRange(v.min()!, v.max()!)
    }
}

extension RQProgram {
    /// Proves that no operation of lane `lane` leaves the int32 range (so the hardware's
    /// wrap-around arithmetic equals integer arithmetic) for accumulators in `input`. Returns
    /// the final tile range, or a description of the first operation that may overflow.
    /// Digits stored from a vector whose range exceeds int8 are taken as [-128, 127].
    func bounds(lane: Int, input: RQRange) -> Result<RQRange, RQOverflow> {
        var registers = RQRegisters(tile: input, temps: [RQRange](repeating: RQRange(0), count: tempCount))
        var digits = [RQRange](repeating: RQRange(0), count: digitCount)
        var loaded = digits
        func read(_ s: RQSlot) -> RQRange { registers[s] }
        func write(_ s: RQSlot, _ v: RQRange) { registers[s] = v }
        for (index, op) in ops.enumerated() {
            switch op {
            case .alu(let code, let slot, let operand):
                let a = read(slot)
                let b: RQRange =
                    switch operand {
                    case .immediate(let v): RQRange(Int64(v))
                    case .constant(let k): RQRange(Int64(constants[k][lane]))
                    case .slot(let s): read(s)
                    }
                let r: RQRange
                switch code {
                case .min: r = RQRange(min(a.lower, b.lower), min(a.upper, b.upper))
                case .max: r = RQRange(max(a.lower, b.lower), max(a.upper, b.upper))
                case .add: r = a + b
                case .mul: r = a.times(b)
                case .shr:
                    guard b.lower == b.upper, b.lower >= -31, b.lower <= 31 else {
                        return .failure(RQOverflow(op: index, lane: lane, range: b))
                    }
                    let n = b.lower
                    r = n >= 0 ? RQRange(a.lower >> n, a.upper >> n) : RQRange(a.lower << -n, a.upper << -n)
                }
                if index + 1 < ops.count, case .refine(slot, let known) = ops[index + 1], known.fitsInt32 {
                    // The construction proves the true result lies in `known` (within int32),
                    // which the operands' separate ranges cannot show: no wrap-around happens.
                    write(slot, known)
                    continue
                }
                guard r.fitsInt32 else { return .failure(RQOverflow(op: index, lane: lane, range: r)) }
                write(slot, r)
            case .reset(let slots):
                for s in slots { write(s, RQRange(0)) }
            case .storeDigit(let slot, let i):
                let v = read(slot)
                digits[i] = v.lower >= -128 && v.upper <= 127 ? v : .int8
            case .loadDigits(let count):
                for i in 0..<count { loaded[i] = digits[i] }
            case .refine(let slot, let range):
                let r = read(slot)
                write(slot, RQRange(max(r.lower, range.lower), min(r.upper, range.upper)))
            case .products(let products):
                for p in products {
                    let r = read(p.dst) + loaded[p.digit].times(Int64(weightTiles[p.weights][lane]))
                    guard r.fitsInt32 else { return .failure(RQOverflow(op: index, lane: lane, range: r)) }
                    write(p.dst, r)
                }
            }
        }
        return .success(registers.tile)
    }
}

/// An operation whose result may leave int32.
struct RQOverflow: Error, Sendable, CustomStringConvertible {
    var op: Int
    var lane: Int
    var range: RQRange
    var description: String { "operation \(op) on lane \(lane) may reach \(range)" }
}
