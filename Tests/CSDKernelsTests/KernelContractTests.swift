import CSDKernels
import TFLiteArithmetic
import TestSupport
import Testing

/// The kernels' contracts beyond the goldens: argument validation (an error code, never a
/// crash), in-place and overlap rules, and properties the goldens do not cover (grouped
/// convolution, broadcasting ADD).
@Suite struct KernelContractTests {
    static func shape(_ n: Int32, _ h: Int32, _ w: Int32, _ c: Int32) -> csd_shape4 {
        csd_shape4(n: n, h: h, w: w, c: c)
    }

    /// Runs `body` with stable pointers to the arrays' elements (C parameter structs keep them).
    static func pinned<A, B, R>(_ a: [A], _ b: [B], _ body: (UnsafePointer<A>, UnsafePointer<B>) -> R) -> R {
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in body(pa.baseAddress!, pb.baseAddress!) }
        }
    }

    static func randomInt8(_ count: Int, _ rng: inout SplitMix64) -> [Int8] {
        (0..<count).map { _ in Int8(truncatingIfNeeded: rng.next()) }
    }

    // MARK: - CONV_2D

    static func convParams(_ m: UnsafePointer<Int32>?, _ s: UnsafePointer<Int32>?) -> csd_conv_params {
        csd_conv_params(
            stride_h: 1, stride_w: 1, dilation_h: 1, dilation_w: 1, pad_top: 1, pad_left: 1, input_offset: 3,
            output_offset: -2, act_min: -128, act_max: 127, multiplier: m, shift: s)
    }

    @Test func convValidatesArguments() {
        let mult = [Int32](repeating: 1 << 30, count: 4)
        let shift = [Int32](repeating: -8, count: 4)
        let badShift = [Int32](repeating: 31, count: 4)
        let negative = [Int32](repeating: -1, count: 4)
        let input = [Int8](repeating: 1, count: 5 * 5 * 2)
        let filter = [Int8](repeating: 1, count: 4 * 3 * 3 * 2)
        var out = [Int8](repeating: 0, count: 5 * 5 * 4)
        let (is_, fs, os) = (Self.shape(1, 5, 5, 2), Self.shape(4, 3, 3, 2), Self.shape(1, 5, 5, 4))
        Self.pinned(mult, shift) { m, s in
            var p = Self.convParams(m, s)
            #expect(csd_conv2d_s8(&p, is_, input, fs, filter, nil, os, &out) == CSD_OK)
            #expect(csd_conv2d_s8(nil, is_, input, fs, filter, nil, os, &out) == CSD_ERR_NULL)
            #expect(csd_conv2d_s8(&p, is_, nil, fs, filter, nil, os, &out) == CSD_ERR_NULL)
            #expect(csd_conv2d_s8(&p, is_, input, fs, filter, nil, os, nil) == CSD_ERR_NULL)
            #expect(
                csd_conv2d_s8(&p, Self.shape(1, 0, 5, 2), input, fs, filter, nil, os, &out) == CSD_ERR_SHAPE)
            #expect(
                csd_conv2d_s8(&p, is_, input, Self.shape(3, 3, 3, 2), filter, nil, os, &out) == CSD_ERR_SHAPE)
            #expect(
                csd_conv2d_s8(&p, Self.shape(1, 5, 5, 3), input, fs, filter, nil, os, &out) == CSD_ERR_SHAPE)
            #expect(
                csd_conv2d_s8(&p, is_, input, fs, filter, nil, Self.shape(2, 5, 5, 4), &out) == CSD_ERR_SHAPE)
            #expect(
                csd_conv2d_s8(&p, Self.shape(1, 70000, 1, 2), input, fs, filter, nil, os, &out)
                    == CSD_ERR_SHAPE)
            for mutate in [
                { (p: inout csd_conv_params) in p.stride_h = 0 }, { $0.dilation_w = -1 }, { $0.pad_top = -1 },
                {
                    $0.act_min = 10; $0.act_max = 9
                }, { $0.act_max = 128 }, { $0.input_offset = 256 },
                { $0.output_offset = 128 },
            ] {
                var bad = p
                mutate(&bad)
                #expect(csd_conv2d_s8(&bad, is_, input, fs, filter, nil, os, &out) == CSD_ERR_PARAM)
            }
            // The output may not overlap the input.
            var buffer = [Int8](repeating: 0, count: 200)
            buffer.withUnsafeMutableBufferPointer { b in
                #expect(
                    csd_conv2d_s8(&p, is_, b.baseAddress, fs, filter, nil, os, b.baseAddress! + 10)
                        == CSD_ERR_ALIAS)
            }
        }
        for (m, s) in [(mult, badShift), (negative, shift)] {
            Self.pinned(m, s) { m, s in
                var q = Self.convParams(m, s)
                #expect(csd_conv2d_s8(&q, is_, input, fs, filter, nil, os, &out) == CSD_ERR_PARAM)
            }
        }
        var p = Self.convParams(nil, nil)
        #expect(csd_conv2d_s8(&p, is_, input, fs, filter, nil, os, &out) == CSD_ERR_NULL)
    }

    /// A grouped convolution (filter depth = input depth / groups) equals one convolution per
    /// group on that group's channels.
    @Test func groupedConvolutionIsPerGroupConvolution() {
        var rng = SplitMix64(seed: 11)
        let (h, w, ow, groups, cinG, coutG) = (6, 7, 4, 3, 2, 4)
        let (cin, cout) = (groups * cinG, groups * coutG)
        let input = Self.randomInt8(h * w * cin, &rng)
        let filter = Self.randomInt8(cout * 9 * cinG, &rng)
        let bias: [Int32] = (0..<cout).map { _ in Int32(rng.next() % 2001) - 1000 }
        let mult: [Int32] = (0..<cout).map { _ in Int32(1 << 30) + Int32(rng.next() % (1 << 29)) }
        let shift: [Int32] = (0..<cout).map { _ in -6 - Int32(rng.next() % 3) }
        func conv(
            _ x: [Int8], _ f: [Int8], _ b: [Int32], _ m: [Int32], _ s: [Int32], _ ci: Int, _ co: Int
        ) -> [Int8] {
            var out = [Int8](repeating: 0, count: h * ow * co)
            let status = Self.pinned(m, s) { mp, sp in
                var p = Self.convParams(mp, sp)
                p.stride_w = 2
                return csd_conv2d_s8(
                    &p, Self.shape(1, Int32(h), Int32(w), Int32(ci)), x,
                    Self.shape(Int32(co), 3, 3, Int32(cinG)), f, b,
                    Self.shape(1, Int32(h), Int32(ow), Int32(co)), &out)
            }
            #expect(status == CSD_OK)
            return out
        }
        let whole = conv(input, filter, bias, mult, shift, cin, cout)
        for g in 0..<groups {
            var gin = [Int8]()
            for px in 0..<(h * w) {
                let start = px * cin + g * cinG
                gin += input[start..<start + cinG]
            }
            let range = g * coutG..<(g + 1) * coutG
            let gfilter = Array(filter[range.lowerBound * 9 * cinG..<range.upperBound * 9 * cinG])
            let gout = conv(
                gin, gfilter, Array(bias[range]), Array(mult[range]), Array(shift[range]), cinG, coutG)
            for px in 0..<(h * ow) {
                let expected = Array(gout[px * coutG..<(px + 1) * coutG])
                let got = Array(whole[px * cout + range.lowerBound..<px * cout + range.upperBound])
                #expect(got == expected, "group \(g) pixel \(px)")
            }
        }
    }

    // MARK: - DEPTHWISE_CONV_2D

    @Test func depthwiseValidatesArguments() {
        let mult = [Int32](repeating: 1 << 30, count: 6)
        let shift = [Int32](repeating: -8, count: 6)
        let input = [Int8](repeating: 1, count: 4 * 4 * 3)
        let filter = [Int8](repeating: 1, count: 3 * 3 * 6)
        var out = [Int8](repeating: 0, count: 4 * 4 * 6)
        let (is_, fs, os) = (Self.shape(1, 4, 4, 3), Self.shape(1, 3, 3, 6), Self.shape(1, 4, 4, 6))
        Self.pinned(mult, shift) { m, s in
            var p = csd_depthwise_params(
                stride_h: 1, stride_w: 1, dilation_h: 1, dilation_w: 1, pad_top: 1, pad_left: 1,
                depth_multiplier: 2,
                input_offset: 0, output_offset: 0, act_min: -128, act_max: 127, multiplier: m, shift: s)
            #expect(csd_depthwise_conv2d_s8(&p, is_, input, fs, filter, nil, os, &out) == CSD_OK)
            #expect(
                csd_depthwise_conv2d_s8(&p, is_, input, Self.shape(2, 3, 3, 6), filter, nil, os, &out)
                    == CSD_ERR_SHAPE)
            #expect(
                csd_depthwise_conv2d_s8(&p, is_, input, fs, filter, nil, Self.shape(1, 4, 4, 5), &out)
                    == CSD_ERR_SHAPE)
            p.depth_multiplier = 3
            #expect(csd_depthwise_conv2d_s8(&p, is_, input, fs, filter, nil, os, &out) == CSD_ERR_SHAPE)
            p.depth_multiplier = 0
            #expect(csd_depthwise_conv2d_s8(&p, is_, input, fs, filter, nil, os, &out) == CSD_ERR_PARAM)
            p.depth_multiplier = 2
            p.multiplier = nil
            #expect(csd_depthwise_conv2d_s8(&p, is_, input, fs, filter, nil, os, &out) == CSD_ERR_NULL)
        }
    }

    // MARK: - FULLY_CONNECTED

    @Test func fullyConnectedValidatesArguments() {
        let scale: [Double] = [0.01, 0.02]
        let nanScale: [Double] = [.nan, 1]
        let mult: [Int32] = [1 << 30, 1 << 30]
        let shift: [Int32] = [-5, -6]
        let input = [Int8](repeating: 3, count: 8)
        let weights = [Int8](repeating: -2, count: 8)
        var out = [Int8](repeating: 0, count: 2)
        Self.pinned(scale, nanScale) { sc, nan in
            Self.pinned(mult, shift) { m, s in
                var p = csd_fully_connected_params(
                    input_offset: 1, weights_offset: 0, output_offset: 0, act_min: -128, act_max: 127,
                    requant: CSD_REQUANT_FLOAT_SCALE, per_channel: 1, scale: sc, multiplier: m, shift: s)
                #expect(csd_fully_connected_s8(&p, 1, 4, 2, input, weights, nil, &out) == CSD_OK)
                #expect(out == [0, -1])  // acc = 4 * (-2 * (3 + 1)) = -32: -0.32 -> 0, -0.64 -> -1
                #expect(csd_fully_connected_s8(&p, 0, 4, 2, input, weights, nil, &out) == CSD_ERR_SHAPE)
                #expect(csd_fully_connected_s8(&p, 1, 4, 2, input, nil, nil, &out) == CSD_ERR_NULL)
                // Output overlapping the input.
                var buffer = [Int8](repeating: 1, count: 10)
                buffer.withUnsafeMutableBufferPointer { b in
                    #expect(
                        csd_fully_connected_s8(&p, 1, 4, 2, b.baseAddress, weights, nil, b.baseAddress! + 3)
                            == CSD_ERR_ALIAS)
                }
                p.requant = 7
                #expect(csd_fully_connected_s8(&p, 1, 4, 2, input, weights, nil, &out) == CSD_ERR_PARAM)
                for mode in [CSD_REQUANT_DOUBLE_ROUNDING, CSD_REQUANT_SINGLE_ROUNDING] {
                    p.requant = mode
                    #expect(csd_fully_connected_s8(&p, 1, 4, 2, input, weights, nil, &out) == CSD_OK)
                    p.shift = nil
                    #expect(csd_fully_connected_s8(&p, 1, 4, 2, input, weights, nil, &out) == CSD_ERR_NULL)
                    p.shift = s
                }
                p.requant = CSD_REQUANT_FLOAT_SCALE
                p.scale = nan
                #expect(csd_fully_connected_s8(&p, 1, 4, 2, input, weights, nil, &out) == CSD_ERR_PARAM)
            }
        }
    }

    // MARK: - ADD

    static func addParams() -> csd_add_params {
        let q = try! AddQuantization(
            input1: TensorQuantization(scale: 0.03, zeroPoint: -5),
            input2: TensorQuantization(scale: 0.011, zeroPoint: 7),
            output: TensorQuantization(scale: 0.04, zeroPoint: 2), activation: .relu)
        return csd_add_params(q)
    }

    /// Broadcasting gives what the plain ADD gives on the explicitly expanded input, and both
    /// work in place.
    @Test func broadcastAddMatchesExpandedAdd() {
        var rng = SplitMix64(seed: 12)
        var p = Self.addParams()
        let os = Self.shape(2, 3, 4, 5)
        let a = Self.randomInt8(2 * 3 * 4 * 5, &rng)
        for s2 in [
            Self.shape(1, 1, 1, 5), Self.shape(2, 1, 4, 1), Self.shape(1, 3, 1, 5), Self.shape(1, 1, 1, 1),
            os,
        ] {
            let b = Self.randomInt8(Int(s2.n * s2.h * s2.w * s2.c), &rng)
            var expanded = [Int8]()
            for n in 0..<os.n {
                for y in 0..<os.h {
                    for x in 0..<os.w {
                        for c in 0..<os.c {
                            let i =
                                (((s2.n == 1 ? 0 : n) * s2.h + (s2.h == 1 ? 0 : y)) * s2.w
                                    + (s2.w == 1 ? 0 : x)) * s2.c + (s2.c == 1 ? 0 : c)
                            expanded.append(b[Int(i)])
                        }
                    }
                }
            }
            var plain = [Int8](repeating: 0, count: a.count)
            var broadcast = [Int8](repeating: 0, count: a.count)
            #expect(csd_add_s8(&p, Int32(a.count), a, expanded, &plain) == CSD_OK)
            #expect(csd_add_broadcast_s8(&p, os, a, s2, b, os, &broadcast) == CSD_OK)
            #expect(plain == broadcast)
            // Swapped operands broadcast the first input.
            var swapped = [Int8](repeating: 0, count: a.count)
            var q = p
            swap(&q.input1_offset, &q.input2_offset)
            swap(&q.input1_multiplier, &q.input2_multiplier)
            swap(&q.input1_shift, &q.input2_shift)
            #expect(csd_add_broadcast_s8(&q, s2, b, os, a, os, &swapped) == CSD_OK)
            #expect(swapped == plain)
            // In place on the full-size input.
            var inPlace = a
            let status = inPlace.withUnsafeMutableBufferPointer { buf in
                csd_add_broadcast_s8(&p, os, buf.baseAddress, s2, b, os, buf.baseAddress)
            }
            #expect(status == CSD_OK && inPlace == plain)
        }
        var out = [Int8](repeating: 0, count: a.count)
        #expect(csd_add_broadcast_s8(&p, os, a, Self.shape(1, 2, 1, 5), a, os, &out) == CSD_ERR_SHAPE)
    }

    @Test func addValidatesArguments() {
        var p = Self.addParams()
        let a: [Int8] = [1, 2, 3, 4]
        var out = [Int8](repeating: 0, count: 4)
        #expect(csd_add_s8(&p, 4, a, a, &out) == CSD_OK)
        #expect(csd_add_s8(&p, 0, a, a, &out) == CSD_ERR_SHAPE)
        #expect(csd_add_s8(&p, 4, a, nil, &out) == CSD_ERR_NULL)
        for mutate in [
            { (p: inout csd_add_params) in p.left_shift = 31 }, { $0.input1_shift = 1 },
            { $0.output_shift = -32 },
            { $0.output_multiplier = -1 }, { $0.act_min = -129 },
        ] {
            var bad = p
            mutate(&bad)
            #expect(csd_add_s8(&bad, 4, a, a, &out) == CSD_ERR_PARAM)
        }
        var buffer: [Int8] = [1, 2, 3, 4, 5]
        buffer.withUnsafeMutableBufferPointer { b in
            #expect(csd_add_s8(&p, 4, b.baseAddress, a, b.baseAddress) == CSD_OK)  // exactly in place
            #expect(csd_add_s8(&p, 4, b.baseAddress, a, b.baseAddress! + 1) == CSD_ERR_ALIAS)
        }
    }

    // MARK: - Pools, softmax, quantize, reshape

    @Test func poolsValidateArguments() {
        let input = [Int8](repeating: 5, count: 4 * 4 * 2)
        var out = [Int8](repeating: 0, count: 2 * 2 * 2)
        var p = csd_pool_params(
            filter_h: 2, filter_w: 2, stride_h: 2, stride_w: 2, pad_top: 0, pad_left: 0, act_min: -128,
            act_max: 127)
        let (is_, os) = (Self.shape(1, 4, 4, 2), Self.shape(1, 2, 2, 2))
        #expect(csd_max_pool2d_s8(&p, is_, input, os, &out) == CSD_OK)
        #expect(csd_avg_pool2d_s8(&p, is_, input, os, &out) == CSD_OK && out.allSatisfy { $0 == 5 })
        #expect(csd_avg_pool2d_s8(&p, is_, input, Self.shape(1, 2, 2, 3), &out) == CSD_ERR_SHAPE)
        p.filter_w = 0
        #expect(csd_max_pool2d_s8(&p, is_, input, os, &out) == CSD_ERR_PARAM)
        // A window entirely in the padding: the reference fails, so do we.
        p = csd_pool_params(
            filter_h: 1, filter_w: 1, stride_h: 1, stride_w: 1, pad_top: 1, pad_left: 0, act_min: -128,
            act_max: 127)
        #expect(csd_avg_pool2d_s8(&p, is_, input, Self.shape(1, 1, 1, 2), &out) == CSD_ERR_RUNTIME)
        #expect(csd_max_pool2d_s8(&p, is_, input, Self.shape(1, 1, 1, 2), &out) == CSD_OK && out[0] == -128)
        // Rounding of negative averages: (-3 - 1) / 2 = -2 (away from zero), (3 + 1) / 2 = 2.
        let pair: [Int8] = [-1, -2, 1, 2]
        var two = [Int8](repeating: 0, count: 2)
        p = csd_pool_params(
            filter_h: 1, filter_w: 2, stride_h: 1, stride_w: 2, pad_top: 0, pad_left: 0, act_min: -128,
            act_max: 127)
        #expect(csd_avg_pool2d_s8(&p, Self.shape(1, 1, 4, 1), pair, Self.shape(1, 1, 2, 1), &two) == CSD_OK)
        #expect(two == [-2, 2])
    }

    @Test func softmaxValidatesArguments() throws {
        let q = try SoftmaxQuantization(inputScale: 0.1)
        var p = csd_softmax_params(
            input_multiplier: q.inputMultiplier, input_left_shift: q.inputLeftShift, diff_min: q.diffMin)
        var row: [Int8] = [1, 2, 3, 4, 5, 6]
        let expected = FixedPointSoftmax.softmaxRow(row, q)
        let status = row.withUnsafeMutableBufferPointer { b in
            csd_softmax_s8(&p, 2, 3, b.baseAddress, b.baseAddress)
        }
        #expect(status == CSD_OK)
        #expect(Array(row[0..<3]) == FixedPointSoftmax.softmaxRow([1, 2, 3], q))
        #expect(expected != nil)
        var out = [Int8](repeating: 0, count: 6)
        #expect(csd_softmax_s8(&p, 0, 3, row, &out) == CSD_ERR_SHAPE)
        var bad = p
        bad.diff_min = 1
        #expect(csd_softmax_s8(&bad, 2, 3, row, &out) == CSD_ERR_PARAM)
        bad = p
        bad.input_left_shift = 33
        #expect(csd_softmax_s8(&bad, 2, 3, row, &out) == CSD_ERR_PARAM)
        // 600 equal values: the sum of exponentials reaches 2^28, where the reference aborts.
        let long = [Int8](repeating: 7, count: 600)
        var longOut = [Int8](repeating: 0, count: 600)
        #expect(csd_softmax_s8(&p, 1, 600, long, &longOut) == CSD_ERR_RUNTIME)
        #expect(csd_softmax_s8(&p, 1, 511, long, &longOut) == CSD_OK)
    }

    @Test func quantizeValidatesArguments() {
        var p = csd_quant_params(scale: 0.5, zero_point: -3)
        let x: [Float] = [0.25, -0.25, 0.75, -0.75, 1000, -1000, .nan]
        var q = [Int8](repeating: 0, count: x.count)
        #expect(csd_quantize_f32_s8(&p, Int32(x.count), x, &q) == CSD_OK)
        // 0.5 and -0.5 round away from zero; +-2000 clamp; NaN gives INT32_MIN + zp -> 127.
        #expect(q == [-2, -4, -1, -5, 127, -128, 127])
        var f = [Float](repeating: 0, count: 3)
        #expect(csd_dequantize_s8_f32(&p, 3, [-3, -2, 127], &f) == CSD_OK && f == [0, 0.5, 65])
        var u = [UInt8](repeating: 0, count: 1)
        #expect(csd_quantize_f32_u8(&p, 1, x, &u) == CSD_ERR_PARAM)  // zero point -3 for uint8
        p.scale = 0
        #expect(csd_quantize_f32_s8(&p, 1, x, &q) == CSD_ERR_PARAM)
        p.scale = .infinity
        #expect(csd_quantize_f32_s8(&p, 1, x, &q) == CSD_ERR_PARAM)
        p = csd_quant_params(scale: 1, zero_point: 0)
        #expect(csd_quantize_f32_s8(&p, 0, x, &q) == CSD_ERR_SHAPE)
        x.withUnsafeBytes { raw in
            let aliased = UnsafeMutablePointer(mutating: raw.baseAddress!.assumingMemoryBound(to: Int8.self))
            #expect(
                csd_quantize_f32_s8(&p, 2, raw.baseAddress!.assumingMemoryBound(to: Float.self), aliased)
                    == CSD_ERR_ALIAS)
        }
        var r = csd_requantize_params(
            multiplier: 1 << 30, shift: 1, input_zero_point: 0, output_zero_point: -128)
        var all = (0...255).map { UInt8($0) }
        let status = all.withUnsafeMutableBufferPointer { b in
            csd_requantize_u8_s8(
                &r, 256, b.baseAddress,
                UnsafeMutableRawPointer(b.baseAddress!).assumingMemoryBound(to: Int8.self))
        }
        #expect(status == CSD_OK && all == (0...255).map { UInt8($0) ^ 0x80 })  // in place, XOR 0x80
        r.shift = 31
        #expect(csd_requantize_s8_s8(&r, 1, [1], &q) == CSD_ERR_PARAM)
        r = csd_requantize_params(multiplier: 1 << 30, shift: 1, input_zero_point: 300, output_zero_point: 0)
        #expect(csd_requantize_u8_u8(&r, 1, [1], &u) == CSD_ERR_PARAM)
    }

    @Test func reshapeCopiesOverlappingRanges() {
        var bytes: [UInt8] = Array(0..<16)
        bytes.withUnsafeMutableBufferPointer { b in
            #expect(csd_reshape(b.baseAddress, b.baseAddress! + 3, 10) == CSD_OK)
        }
        #expect(Array(bytes[3..<13]) == Array(0..<10))
        bytes = Array(0..<16)
        bytes.withUnsafeMutableBufferPointer { b in
            #expect(csd_reshape(b.baseAddress! + 3, b.baseAddress, 10) == CSD_OK)
        }
        #expect(Array(bytes[0..<10]) == Array(3..<13))
        #expect(csd_reshape(nil, &bytes, 1) == CSD_ERR_NULL)
        #expect(String(cString: csd_status_name(CSD_ERR_ALIAS)) == "output overlaps an input")
    }
}
