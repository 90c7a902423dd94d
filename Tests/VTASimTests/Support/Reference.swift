// A deliberately plain Swift model of the GEMM and ALU loop semantics (spec §3), used as the
// expected result. Sparse: only the SRAM elements a test sets or computes are stored.
struct UopFields {
    var dst: Int
    var src: Int
    var wgt: Int
}

struct Reference {
    let geo: Geometry
    var inp: [Int: [Int8]] = [:]
    var wgt: [Int: [Int8]] = [:]  // [out][in], row-major
    var acc: [Int: [Int32]] = [:]

    init(_ geo: Geometry) { self.geo = geo }

    /// Runs the loops in hardware order: i, j, then uops.
    private func forEach(_ l: Encoder.Loops, _ uops: [UopFields], _ body: (Int, Int, Int) -> Void) {
        for i in 0..<l.iterOut {
            for j in 0..<l.iterIn {
                for u in uops {
                    body(
                        u.dst + i * l.dst.out + j * l.dst.in, u.src + i * l.src.out + j * l.src.in,
                        u.wgt + i * l.wgt.out + j * l.wgt.in)
                }
            }
        }
    }

    mutating func gemm(_ l: Encoder.Loops, _ uops: [UopFields], reset: Bool = false) {
        let lanes = geo.batch * geo.blockOut
        forEach(l, uops) { d, s, w in
            if reset {
                acc[d] = [Int32](repeating: 0, count: lanes)
                return
            }
            var a = acc[d]!
            let x = inp[s]!
            let m = wgt[w]!
            for b in 0..<geo.batch {
                for o in 0..<geo.blockOut {
                    var sum: Int32 = 0
                    for k in 0..<geo.blockIn {
                        sum = sum &+ Int32(x[b * geo.blockIn + k]) &* Int32(m[o * geo.blockIn + k])
                    }
                    a[b * geo.blockOut + o] = a[b * geo.blockOut + o] &+ sum
                }
            }
            acc[d] = a
        }
    }

    static func apply(_ op: AluOp, _ x: Int32, _ y: Int32) -> Int32 {
        switch op {
        case .min: return Swift.min(x, y)
        case .max: return Swift.max(x, y)
        case .add: return x &+ y
        case .mul: return x &* y
        // Swift's smart shifts: a negative amount shifts the other way.
        case .shr: return y >= 0 ? x >> y : x << -Int64(y)
        }
    }

    mutating func alu(_ op: AluOp, _ l: Encoder.Loops, _ uops: [UopFields], imm: Int?) {
        forEach(l, uops) { d, s, _ in
            let src = acc[s]!
            var dst = acc[d]!
            for lane in 0..<dst.count {
                dst[lane] = Reference.apply(op, dst[lane], imm.map { Int32($0) } ?? src[lane])
            }
            acc[d] = dst
        }
    }

    /// What STORE writes for an ACC element: the low 8 bits of each lane.
    func out(_ index: Int) -> [Int8] { acc[index]!.map { Int8(truncatingIfNeeded: $0) } }
}
