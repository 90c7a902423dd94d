import CSDKernels
import Foundation
import NPY
import TFLite
import TFLiteArithmetic

/// The contents of one tensor: the element types the CPU kernels exchange.
enum TensorValue: Equatable, CustomStringConvertible {
    case int8([Int8])
    case uint8([UInt8])
    case float32([Float])
    case int32([Int32])

    var count: Int {
        switch self {
        case .int8(let v): v.count
        case .uint8(let v): v.count
        case .float32(let v): v.count
        case .int32(let v): v.count
        }
    }

    var int8: [Int8]? { if case .int8(let v) = self { v } else { nil } }
    var uint8: [UInt8]? { if case .uint8(let v) = self { v } else { nil } }
    var float32: [Float]? { if case .float32(let v) = self { v } else { nil } }

    /// Bit-exact comparison (floats by bit pattern, so NaN payloads and -0.0 count).
    func bitEqual(_ other: TensorValue) -> Bool {
        switch (self, other) {
        case (.float32(let a), .float32(let b)): a.map(\.bitPattern) == b.map(\.bitPattern)
        default: self == other
        }
    }

    /// A short account of the differences with `expected`.
    func mismatchSummary(against expected: TensorValue) -> String {
        guard count == expected.count else { return "\(count) values, expected \(expected.count)" }
        func diffs<T: Equatable>(_ a: [T], _ b: [T]) -> String {
            let idx = a.indices.filter { a[$0] != b[$0] }
            guard let first = idx.first else { return "bit patterns differ" }
            return
                "\(idx.count) of \(a.count) values differ, first at \(first): got \(a[first]), expected \(b[first])"
        }
        switch (self, expected) {
        case (.int8(let a), .int8(let b)): return diffs(a, b)
        case (.uint8(let a), .uint8(let b)): return diffs(a, b)
        case (.float32(let a), .float32(let b)): return diffs(a.map(\.bitPattern), b.map(\.bitPattern))
        case (.int32(let a), .int32(let b)): return diffs(a, b)
        default: return "type \(self.typeName), expected \(expected.typeName)"
        }
    }

    var typeName: String {
        switch self {
        case .int8: "int8"
        case .uint8: "uint8"
        case .float32: "float32"
        case .int32: "int32"
        }
    }

    var description: String { "\(typeName)[\(count)]" }

    init(npy: NPYArray) throws {
        switch npy.type {
        case .int8: self = .int8(npy.int8Values!)
        case .uint8: self = .uint8(npy.uint8Values!)
        case .float32: self = .float32(npy.float32Values!)
        case .int32: self = .int32(npy.int32Values!)
        default: throw ExecutorError("unsupported .npy type \(npy.type.name)")
        }
    }

    init(npyPath: String) throws { try self.init(npy: try NPYFile.read(path: npyPath)) }
}

struct ExecutorError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Runs TFLite operators with the C kernels of `CSDKernels`, preparing every integer
/// parameter with `TFLiteArithmetic` from the model's float scales: the drive's CPU path, as a
/// test harness.
struct CPUExecutor {
    let model: TFLiteModel
    var graph: Subgraph { model.main }

    init(path: String) throws { model = try TFLiteReader.read(path: path) }

    /// Runs the whole model on `inputs` (in the model's input order) and returns every
    /// tensor value produced, by tensor index.
    func runModel(_ inputs: [TensorValue]) throws -> [Int: TensorValue] {
        guard inputs.count == graph.inputs.count else { throw ExecutorError("input count") }
        var values: [Int: TensorValue] = [:]
        for (i, t) in graph.inputs.enumerated() { values[t] = inputs[i] }
        for op in graph.operators {
            let outputs = try run(op, values: values)
            for (t, v) in zip(op.outputs, outputs) { values[t] = v }
        }
        return values
    }

    /// Runs one operator; non-constant inputs come from `values`.
    func run(_ op: Operator, values: [Int: TensorValue]) throws -> [TensorValue] {
        func input(_ i: Int) throws -> TensorValue {
            let index = op.inputs[i]
            if let v = values[index] { return v }
            let t = graph.tensors[index]
            guard let data = t.data else {
                throw ExecutorError("operator \(op.index): no value for tensor \(index)")
            }
            return try Self.constant(t, data)
        }
        guard case .builtin(let kind) = op.kind else { throw ExecutorError("custom operator") }
        let label = "operator \(op.index) \(kind)"
        switch kind {
        case .conv2D: return [try conv(op, try input(0).int8!, label)]
        case .depthwiseConv2D: return [try depthwise(op, try input(0).int8!, label)]
        case .fullyConnected: return [try fullyConnected(op, try input(0).int8!, label)]
        case .add: return [try add(op, try input(0).int8!, try input(1).int8!, label)]
        case .maxPool2D, .averagePool2D:
            return [try pool(op, try input(0).int8!, average: kind == .averagePool2D, label)]
        case .softmax: return [try softmax(op, try input(0).int8!, label)]
        case .quantize: return [try quantize(op, try input(0), label)]
        case .dequantize: return [try dequantize(op, try input(0), label)]
        case .reshape: return [try reshape(op, try input(0), label)]
        default: throw ExecutorError("\(label): not a CPU kernel")
        }
    }

    // MARK: - Tensor helpers

    static func constant(_ t: Tensor, _ data: [UInt8]) throws -> TensorValue {
        switch t.type {
        case .int8: return .int8(data.map { Int8(bitPattern: $0) })
        case .uint8: return .uint8(data)
        case .int32:
            return .int32(
                stride(from: 0, to: data.count, by: 4).map { o in
                    Int32(
                        bitPattern: UInt32(data[o]) | UInt32(data[o + 1]) << 8 | UInt32(data[o + 2]) << 16
                            | UInt32(data[o + 3]) << 24)
                })
        case .float32:
            return .float32(
                stride(from: 0, to: data.count, by: 4).map { o in
                    Float(
                        bitPattern: UInt32(data[o]) | UInt32(data[o + 1]) << 8 | UInt32(data[o + 2]) << 16
                            | UInt32(data[o + 3]) << 24)
                })
        default: throw ExecutorError("constant of type \(t.type)")
        }
    }

    func tensor(_ op: Operator, input i: Int) -> Tensor { graph.tensors[op.inputs[i]] }
    func tensor(_ op: Operator, output i: Int) -> Tensor { graph.tensors[op.outputs[i]] }

    func quant(_ t: Tensor) throws -> TensorQuantization {
        guard let q = t.quantization, let s = q.scales.first, let z = q.zeroPoints.first else {
            throw ExecutorError("tensor \(t.index) is not quantized")
        }
        return TensorQuantization(scale: s, zeroPoint: Int32(z))
    }

    func bias(_ op: Operator) throws -> [Int32]? {
        guard op.inputs.count > 2, op.inputs[2] >= 0 else { return nil }
        let t = graph.tensors[op.inputs[2]]
        guard let data = t.data, case .int32(let v) = try Self.constant(t, data) else {
            throw ExecutorError("bias must be a constant int32 tensor")
        }
        return v
    }

    static func shape4(_ shape: [Int]) throws -> csd_shape4 {
        guard shape.count <= 4 else { throw ExecutorError("rank \(shape.count) > 4") }
        let s = Array(repeating: 1, count: 4 - shape.count) + shape
        return csd_shape4(n: Int32(s[0]), h: Int32(s[1]), w: Int32(s[2]), c: Int32(s[3]))
    }

    static func activation(_ a: TFLite.Activation) -> FusedActivation {
        switch a {
        case .none, .tanh, .signBit: .none  // the int8 kernels clamp to the full range for these
        case .relu: .relu
        case .relu6: .relu6
        case .reluN1To1: .reluN1To1
        }
    }

    static func scheme(_ p: TFLite.Padding) -> PaddingScheme { p == .same ? .same : .valid }

    static func check(_ status: csd_status, _ label: String) throws {
        guard status == CSD_OK else {
            throw ExecutorError("\(label): \(String(cString: csd_status_name(status)))")
        }
    }

    // MARK: - Operators

    func conv(_ op: Operator, _ x: [Int8], _ label: String) throws -> TensorValue {
        guard case .conv2D(let o) = op.options else { throw ExecutorError("\(label): options") }
        let (inT, wT, outT) = (tensor(op, input: 0), tensor(op, input: 1), tensor(op, output: 0))
        let (inS, wS, outS) = (
            try Self.shape4(inT.shape), try Self.shape4(wT.shape), try Self.shape4(outT.shape)
        )
        let q = try ConvQuantization(
            input: try quant(inT), filterScales: wT.quantization?.scales ?? [], outputChannels: Int(outS.c),
            output: try quant(outT), activation: Self.activation(o.activation))
        let scheme = Self.scheme(o.padding)
        let padH = scheme.padding(
            inputSize: Int(inS.h), filterSize: Int(wS.h), stride: o.strideH, dilation: o.dilationH,
            outputSize: Int(outS.h))
        let padW = scheme.padding(
            inputSize: Int(inS.w), filterSize: Int(wS.w), stride: o.strideW, dilation: o.dilationW,
            outputSize: Int(outS.w))
        let w = wT.data!.map { Int8(bitPattern: $0) }
        let b = try bias(op)
        let mult = q.multipliers.map(\.multiplier)
        let shift = q.multipliers.map(\.shift)
        var out = [Int8](repeating: 0, count: outT.elementCount)
        let status = mult.withUnsafeBufferPointer { m in
            shift.withUnsafeBufferPointer { s in
                var p = csd_conv_params(
                    stride_h: Int32(o.strideH), stride_w: Int32(o.strideW), dilation_h: Int32(o.dilationH),
                    dilation_w: Int32(o.dilationW), pad_top: Int32(padH.before), pad_left: Int32(padW.before),
                    input_offset: q.inputOffset, output_offset: q.outputOffset,
                    act_min: q.activationRange.min,
                    act_max: q.activationRange.max, multiplier: m.baseAddress, shift: s.baseAddress)
                return csd_conv2d_s8(&p, inS, x, wS, w, b, outS, &out)
            }
        }
        try Self.check(status, label)
        return .int8(out)
    }

    func depthwise(_ op: Operator, _ x: [Int8], _ label: String) throws -> TensorValue {
        guard case .depthwiseConv2D(let o) = op.options else { throw ExecutorError("\(label): options") }
        let (inT, wT, outT) = (tensor(op, input: 0), tensor(op, input: 1), tensor(op, output: 0))
        let (inS, wS, outS) = (
            try Self.shape4(inT.shape), try Self.shape4(wT.shape), try Self.shape4(outT.shape)
        )
        let q = try ConvQuantization(
            input: try quant(inT), filterScales: wT.quantization?.scales ?? [], outputChannels: Int(outS.c),
            output: try quant(outT), activation: Self.activation(o.activation))
        let scheme = Self.scheme(o.padding)
        let padH = scheme.padding(
            inputSize: Int(inS.h), filterSize: Int(wS.h), stride: o.strideH, dilation: o.dilationH,
            outputSize: Int(outS.h))
        let padW = scheme.padding(
            inputSize: Int(inS.w), filterSize: Int(wS.w), stride: o.strideW, dilation: o.dilationW,
            outputSize: Int(outS.w))
        let w = wT.data!.map { Int8(bitPattern: $0) }
        let b = try bias(op)
        let mult = q.multipliers.map(\.multiplier)
        let shift = q.multipliers.map(\.shift)
        var out = [Int8](repeating: 0, count: outT.elementCount)
        let status = mult.withUnsafeBufferPointer { m in
            shift.withUnsafeBufferPointer { s in
                var p = csd_depthwise_params(
                    stride_h: Int32(o.strideH), stride_w: Int32(o.strideW), dilation_h: Int32(o.dilationH),
                    dilation_w: Int32(o.dilationW), pad_top: Int32(padH.before), pad_left: Int32(padW.before),
                    depth_multiplier: outS.c / inS.c, input_offset: q.inputOffset,
                    output_offset: q.outputOffset,
                    act_min: q.activationRange.min, act_max: q.activationRange.max, multiplier: m.baseAddress,
                    shift: s.baseAddress)
                return csd_depthwise_conv2d_s8(&p, inS, x, wS, w, b, outS, &out)
            }
        }
        try Self.check(status, label)
        return .int8(out)
    }

    func fullyConnected(_ op: Operator, _ x: [Int8], _ label: String) throws -> TensorValue {
        guard case .fullyConnected(let o) = op.options else { throw ExecutorError("\(label): options") }
        let (inT, wT, outT) = (tensor(op, input: 0), tensor(op, input: 1), tensor(op, output: 0))
        guard wT.shape.count == 2 else { throw ExecutorError("\(label): weights rank") }
        let (units, depth) = (wT.shape[0], wT.shape[1])
        let batches = x.count / depth
        let b = try bias(op)
        let biasScale =
            op.inputs.count > 2 && op.inputs[2] >= 0
            ? graph.tensors[op.inputs[2]].quantization?.scales.first : nil
        let q = try FullyConnectedQuantization(
            input: try quant(inT), weightScales: wT.quantization?.scales ?? [],
            weightZeroPoint: Int32(wT.quantization?.zeroPoints.first ?? 0), outputDepth: units,
            output: try quant(outT), activation: Self.activation(o.activation), biasScale: biasScale)
        let w = wT.data!.map { Int8(bitPattern: $0) }
        var out = [Int8](repeating: 0, count: batches * units)
        let status = q.effectiveScales.withUnsafeBufferPointer { sc in
            var p = csd_fully_connected_params(
                input_offset: q.inputOffset, weights_offset: q.weightsOffset, output_offset: q.outputOffset,
                act_min: q.activationRange.min, act_max: q.activationRange.max,
                requant: CSD_REQUANT_FLOAT_SCALE,
                per_channel: q.isPerChannel ? 1 : 0, scale: sc.baseAddress, multiplier: nil, shift: nil)
            return csd_fully_connected_s8(&p, Int32(batches), Int32(depth), Int32(units), x, w, b, &out)
        }
        try Self.check(status, label)
        return .int8(out)
    }

    func add(_ op: Operator, _ x1: [Int8], _ x2: [Int8], _ label: String) throws -> TensorValue {
        guard case .elementwise(let activation, _) = op.options else {
            throw ExecutorError("\(label): options")
        }
        let (t1, t2, outT) = (tensor(op, input: 0), tensor(op, input: 1), tensor(op, output: 0))
        let q = try AddQuantization(
            input1: try quant(t1), input2: try quant(t2), output: try quant(outT),
            activation: Self.activation(activation))
        var p = csd_add_params(q)
        var out = [Int8](repeating: 0, count: outT.elementCount)
        let status: csd_status
        if t1.shape == outT.shape && t2.shape == outT.shape {
            status = csd_add_s8(&p, Int32(out.count), x1, x2, &out)
        } else {
            status = csd_add_broadcast_s8(
                &p, try Self.shape4(t1.shape), x1, try Self.shape4(t2.shape), x2, try Self.shape4(outT.shape),
                &out)
        }
        try Self.check(status, label)
        return .int8(out)
    }

    func pool(_ op: Operator, _ x: [Int8], average: Bool, _ label: String) throws -> TensorValue {
        guard case .pool2D(let o) = op.options else { throw ExecutorError("\(label): options") }
        let (inT, outT) = (tensor(op, input: 0), tensor(op, output: 0))
        let (inS, outS) = (try Self.shape4(inT.shape), try Self.shape4(outT.shape))
        let q = try PoolQuantization(output: try quant(outT), activation: Self.activation(o.activation))
        let scheme = Self.scheme(o.padding)
        let padH = scheme.padding(
            inputSize: Int(inS.h), filterSize: o.filterH, stride: o.strideH, outputSize: Int(outS.h))
        let padW = scheme.padding(
            inputSize: Int(inS.w), filterSize: o.filterW, stride: o.strideW, outputSize: Int(outS.w))
        var p = csd_pool_params(
            filter_h: Int32(o.filterH), filter_w: Int32(o.filterW), stride_h: Int32(o.strideH),
            stride_w: Int32(o.strideW), pad_top: Int32(padH.before), pad_left: Int32(padW.before),
            act_min: q.activationRange.min, act_max: q.activationRange.max)
        var out = [Int8](repeating: 0, count: outT.elementCount)
        let status =
            average ? csd_avg_pool2d_s8(&p, inS, x, outS, &out) : csd_max_pool2d_s8(&p, inS, x, outS, &out)
        try Self.check(status, label)
        return .int8(out)
    }

    func softmax(_ op: Operator, _ x: [Int8], _ label: String) throws -> TensorValue {
        guard case .softmax(let beta) = op.options else { throw ExecutorError("\(label): options") }
        let (inT, outT) = (tensor(op, input: 0), tensor(op, output: 0))
        let q = try SoftmaxQuantization(inputScale: try quant(inT).scale, beta: beta, output: try quant(outT))
        let depth = inT.shape.last ?? 1
        var p = csd_softmax_params(
            input_multiplier: q.inputMultiplier, input_left_shift: q.inputLeftShift, diff_min: q.diffMin)
        var out = [Int8](repeating: 0, count: x.count)
        try Self.check(csd_softmax_s8(&p, Int32(x.count / depth), Int32(depth), x, &out), label)
        return .int8(out)
    }

    func quantize(_ op: Operator, _ x: TensorValue, _ label: String) throws -> TensorValue {
        let (inT, outT) = (tensor(op, input: 0), tensor(op, output: 0))
        let outQ = try quant(outT)
        let n = Int32(x.count)
        switch (x, outT.type) {
        case (.float32(let v), .int8):
            var p = csd_quant_params(scale: outQ.scale, zero_point: outQ.zeroPoint)
            var out = [Int8](repeating: 0, count: v.count)
            try Self.check(csd_quantize_f32_s8(&p, n, v, &out), label)
            return .int8(out)
        case (.float32(let v), .uint8):
            var p = csd_quant_params(scale: outQ.scale, zero_point: outQ.zeroPoint)
            var out = [UInt8](repeating: 0, count: v.count)
            try Self.check(csd_quantize_f32_u8(&p, n, v, &out), label)
            return .uint8(out)
        default:
            let inType: QuantizedType = inT.type == .uint8 ? .uint8 : .int8
            let outType: QuantizedType = outT.type == .uint8 ? .uint8 : .int8
            let q = try RequantizeQuantization(
                input: try quant(inT), inputType: inType, output: outQ, outputType: outType)
            var p = csd_requantize_params(
                multiplier: q.multiplier.multiplier, shift: q.multiplier.shift,
                input_zero_point: q.inputZeroPoint,
                output_zero_point: q.outputZeroPoint)
            switch (x, outType) {
            case (.int8(let v), .int8):
                var out = [Int8](repeating: 0, count: v.count)
                try Self.check(csd_requantize_s8_s8(&p, n, v, &out), label)
                return .int8(out)
            case (.int8(let v), .uint8):
                var out = [UInt8](repeating: 0, count: v.count)
                try Self.check(csd_requantize_s8_u8(&p, n, v, &out), label)
                return .uint8(out)
            case (.uint8(let v), .int8):
                var out = [Int8](repeating: 0, count: v.count)
                try Self.check(csd_requantize_u8_s8(&p, n, v, &out), label)
                return .int8(out)
            case (.uint8(let v), .uint8):
                var out = [UInt8](repeating: 0, count: v.count)
                try Self.check(csd_requantize_u8_u8(&p, n, v, &out), label)
                return .uint8(out)
            default: throw ExecutorError("\(label): QUANTIZE \(x.typeName) -> \(outT.type)")
            }
        }
    }

    func dequantize(_ op: Operator, _ x: TensorValue, _ label: String) throws -> TensorValue {
        let q = try quant(tensor(op, input: 0))
        var p = csd_quant_params(scale: q.scale, zero_point: q.zeroPoint)
        var out = [Float](repeating: 0, count: x.count)
        switch x {
        case .int8(let v): try Self.check(csd_dequantize_s8_f32(&p, Int32(v.count), v, &out), label)
        case .uint8(let v): try Self.check(csd_dequantize_u8_f32(&p, Int32(v.count), v, &out), label)
        default: throw ExecutorError("\(label): DEQUANTIZE of \(x.typeName)")
        }
        return .float32(out)
    }

    func reshape(_ op: Operator, _ x: TensorValue, _ label: String) throws -> TensorValue {
        func copy<T>(_ v: [T]) throws -> [T] {
            var status = CSD_OK
            let out = [T](unsafeUninitializedCapacity: v.count) { buffer, initialized in
                status = v.withUnsafeBytes { src in
                    csd_reshape(src.baseAddress, UnsafeMutableRawPointer(buffer.baseAddress), src.count)
                }
                initialized = status == CSD_OK ? v.count : 0
            }
            try Self.check(status, label)
            return out
        }
        switch x {
        case .int8(let v): return .int8(try copy(v))
        case .uint8(let v): return .uint8(try copy(v))
        case .float32(let v): return .float32(try copy(v))
        case .int32(let v): return .int32(try copy(v))
        }
    }
}

extension csd_add_params {
    /// The C kernel's parameters from TFLiteArithmetic's preparation of the same ADD.
    init(_ q: AddQuantization) {
        self.init(
            input1_offset: q.input1Offset, input2_offset: q.input2Offset, output_offset: q.outputOffset,
            left_shift: q.leftShift, input1_multiplier: q.input1.multiplier, input1_shift: q.input1.shift,
            input2_multiplier: q.input2.multiplier, input2_shift: q.input2.shift,
            output_multiplier: q.output.multiplier, output_shift: q.output.shift,
            act_min: q.activationRange.min, act_max: q.activationRange.max)
    }
}
