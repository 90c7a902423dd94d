import GraphIR
import Partitioning
import TFLite
import TFLiteArithmetic
import VTATarget

/// Node → layer descriptor, per operator kind.
extension LayerContext {
    mutating func lowerConvolution(
        _ node: Node, _ a: ConvAttributes, into b: inout StreamBuilder
    ) throws(LoweringError) {
        var depthwise: Bool
        if case .depthwiseConv2D = node.op { depthwise = true } else { depthwise = false }
        guard let inputID = node.inputs[0] else { throw LoweringError("\(node.name): no input") }
        let input = try allocation(inputID)
        let output = try allocation(node.outputs[0])
        var (weights, shape, bias, scales) = try weightsAndBias(node)
        if depthwise && a.depthMultiplier > 1 {
            // One input channel times a depth multiplier is a plain convolution: weights
            // [1][KH][KW][OC] become [OC][KH][KW][1].
            guard a.inputChannels == 1 else {
                throw LoweringError("\(node.name): a depth multiplier needs one input channel on VTA")
            }
            let (kh, kw, oc) = (shape[1], shape[2], shape[3])
            var transposed = [Int8](repeating: 0, count: weights.count)
            for o in 0..<oc { for t in 0..<(kh * kw) { transposed[o * kh * kw + t] = weights[t * oc + o] } }
            weights = transposed
            shape = [oc, kh, kw, 1]
            depthwise = false
        }
        let inQ = try quantization(inputID)
        let outQ = try quantization(node.outputs[0])
        let prepared: ConvQuantization
        do {
            prepared = try ConvQuantization(
                input: inQ, filterScales: scales, outputChannels: a.outputChannels, output: outQ,
                activation: try Self.fused(a.activation))
        } catch {
            throw LoweringError("\(node.name): \(error)")
        }
        let packed =
            depthwise
            ? ConstantPacking.depthwise(weights, shape: shape, config: config)
            : ConstantPacking.convolution(weights, shape: shape, config: config)
        let sums = ConstantPacking.weightSums(weights, shape: shape, depthwise: depthwise)
        let folded = ConstantPacking.foldedBias(
            bias: bias, weightSums: sums, inputZeroPoint: Int(inQ.zeroPoint))
        let weightsOffset = constants.append(packed.bytes.map { UInt8(bitPattern: $0) })
        let biasOffset = constants.append(
            ConstantsRegion.accumulatorVectors(folded, lanes: config.blockOut, batch: config.batch))
        let perOutput = depthwise ? 0 : a.kernelH * a.kernelW * a.inputChannels
        let plan = try requantizer(
            node, rounding: .doubleRounding(prepared.multipliers), output: outQ,
            activation: prepared.activationRange,
            channels: a.outputChannels,
            bounds: Self.bounds(
                weights: weights, perOutput: perOutput, depthwise: depthwise, channels: a.outputChannels,
                bias: bias))
        let inLayout = input.layout!
        let outLayout = output.layout!
        let layer = ConvLayer(
            depthwise: depthwise, inputHeight: inLayout.h, inputWidth: inLayout.w, outputHeight: outLayout.h,
            outputWidth: outLayout.w, inputBlocks: inLayout.channelBlocks,
            outputBlocks: outLayout.channelBlocks,
            kernelH: a.kernelH, kernelW: a.kernelW, strideH: a.strideH, strideW: a.strideW,
            padTop: a.padding.top,
            padBottom: a.padding.bottom, padLeft: a.padding.left, padRight: a.padding.right,
            inputOffset: input.offset,
            inputHalo: inLayout.halo, outputOffset: output.offset, outputHalo: outLayout.halo,
            weightsOffset: weightsOffset, biasOffset: biasOffset)
        let requantizer = reserve(plan)
        let tiling = try ConvLowering.chooseTiling(
            layer, target: target, requantizer: requantizer, schedule: target.schedules[layer.workload])
        try ConvLowering.emit(layer, into: &b, requantizer: requantizer, tiling: tiling)
        tilings[node.id] = (layer.workload, tiling.schedule)
        methods[node.id] =
            (depthwise ? DepthwiseStrategy.choose(target: target).description : "GEMM")
            + "; \(tiling.schedule.description)"
        scratchSize = max(scratchSize, plan.scratchBytes(forTileVectors: config.depth(.accumulator)))
    }

    mutating func lowerFullyConnected(
        _ node: Node, _ a: FullyConnectedAttributes, into b: inout StreamBuilder
    ) throws(LoweringError) {
        guard let inputID = node.inputs[0] else { throw LoweringError("\(node.name): no input") }
        let input = try allocation(inputID)
        let output = try allocation(node.outputs[0])
        let (weights, shape, bias, scales) = try weightsAndBias(node)
        let inQ = try quantization(inputID)
        let outQ = try quantization(node.outputs[0])
        let prepared: FullyConnectedQuantization
        do {
            prepared = try FullyConnectedQuantization(
                input: inQ, weightScales: scales, outputDepth: a.outputDepth, output: outQ,
                activation: try Self.fused(a.activation))
        } catch {
            throw LoweringError("\(node.name): \(error)")
        }
        // Rows are the batch ([N, C]) or one spatial dimension ([N, 1, X, C] with N = 1);
        // otherwise a single row flattens a packed tensor, read in packed order.
        let inLayout = input.layout!
        let rowsOutermost =
            inLayout.n == a.batches && inLayout.h * inLayout.w == 1 && inLayout.c == a.inputDepth
        let rowsSpatial =
            a.batches > 1 && inLayout.n == 1 && inLayout.h * inLayout.w == a.batches
            && inLayout.c == a.inputDepth
        guard rowsOutermost || rowsSpatial || a.batches == 1 else {
            throw LoweringError("\(node.name): the input's layout does not give the FULLY_CONNECTED's rows")
        }
        let flatten = !rowsOutermost && !rowsSpatial
        let order: [Int?]? =
            flatten ? ConstantPacking.flattenOrder(of: Array(inLayout.shape), config: config) : nil
        let rows = flatten ? 1 : a.batches
        let packed = ConstantPacking.fullyConnected(weights, shape: shape, config: config, inputOrder: order)
        let sums = ConstantPacking.weightSums(weights, shape: shape, depthwise: false)
        let folded = ConstantPacking.foldedBias(
            bias: bias, weightSums: sums, inputZeroPoint: Int(inQ.zeroPoint))
        let weightsOffset = constants.append(packed.bytes.map { UInt8(bitPattern: $0) })
        let biasOffset = constants.append(
            ConstantsRegion.accumulatorVectors(folded, lanes: config.blockOut, batch: config.batch))
        let plan = try requantizer(
            node, rounding: .floatScale(prepared.effectiveScales), output: outQ,
            activation: prepared.activationRange,
            channels: a.outputDepth,
            bounds: Self.bounds(
                weights: weights, perOutput: a.inputDepth, depthwise: false, channels: a.outputDepth,
                bias: bias))
        let layer = FullyConnectedLayer(
            rows: rows, inputBlocks: packed.inBlocks, outputBlocks: packed.outBlocks,
            inputOffset: input.offset,
            outputOffset: output.offset, weightsOffset: weightsOffset, biasOffset: biasOffset,
            rowsOutermost: !rowsSpatial)
        try FullyConnectedLowering.emit(layer, into: &b, requantizer: reserve(plan))
        methods[node.id] = "GEMM; \(rows) row\(rows == 1 ? "" : "s"), weights resident"
        scratchSize = max(scratchSize, plan.scratchBytes(forTileVectors: config.depth(.accumulator)))
    }

    /// Places the plan's weight tiles and digit vectors at the top of the WGT and INP buffers,
    /// and its round trips at the start of the scratch region (layers run one after another).
    func reserve(_ plan: RequantizationPlan) -> RequantizationPlan {
        var plan = plan
        plan.placement.weightBase = config.depth(.weight) - plan.weightTiles()
        plan.placement.inputBase =
            config.depth(.input) - plan.inputEntries(forTileVectors: config.depth(.accumulator))
        plan.placement.scratchOffset = 0
        return plan
    }

    mutating func identityTile() -> Int {
        if let identityOffset { return identityOffset }
        var tile = [UInt8](repeating: 0, count: config.blockOut * config.blockIn)
        for i in 0..<min(config.blockOut, config.blockIn) { tile[i * config.blockIn + i] = 1 }
        let offset = constants.append(tile)
        identityOffset = offset
        return offset
    }

    mutating func lowerPool(
        _ node: Node, _ a: PoolAttributes, into b: inout StreamBuilder
    ) throws(LoweringError) {
        guard let inputID = node.inputs[0] else { throw LoweringError("\(node.name): no input") }
        let input = try allocation(inputID)
        let output = try allocation(node.outputs[0])
        let outQ = try quantization(node.outputs[0])
        let range: ActivationRange
        do {
            range = try ActivationRange(try Self.fused(a.activation), output: outQ)
        } catch {
            throw LoweringError("\(node.name): \(error)")
        }
        let average: Bool
        if case .averagePool2D = node.op { average = true } else { average = false }
        let inLayout = input.layout!
        let outLayout = output.layout!
        let layer = PoolLayer(
            average: average, inputHeight: inLayout.h, inputWidth: inLayout.w, outputHeight: outLayout.h,
            outputWidth: outLayout.w, blocks: inLayout.channelBlocks, filterH: a.filterH, filterW: a.filterW,
            strideH: a.strideH, strideW: a.strideW, padTop: a.padding.top, padBottom: a.padding.bottom,
            padLeft: a.padding.left, padRight: a.padding.right, inputOffset: input.offset,
            inputHalo: inLayout.halo,
            outputOffset: output.offset, outputHalo: outLayout.halo, identityOffset: identityTile(),
            activationMin: Int(range.min), activationMax: Int(range.max))
        try PoolLowering.emit(layer, into: &b)
        routes[node.id] = average ? "shift (power-of-two count)" : "none"
        methods[node.id] =
            "identity GEMM copy, then one ALU \(average ? "ADD" : "MAX") per tap over the output tile"
    }

    mutating func lowerAdd(_ node: Node, into b: inout StreamBuilder) throws(LoweringError) {
        guard let rule = ElementwiseAdd.rule(node, in: graph) else {
            throw LoweringError("\(node.name): no exact linear rule for this ADD's quantization")
        }
        guard let a = node.inputs[0], let c = node.inputs[1] else {
            throw LoweringError("\(node.name): ADD needs two inputs")
        }
        let operands = try [a, c, node.outputs[0]].map { (id) throws(LoweringError) in try allocation(id) }
        let layout = operands[2].layout!
        guard operands.allSatisfy({ $0.layout!.shape == layout.shape }) else {
            throw LoweringError("\(node.name): ADD inputs differ in shape from the output")
        }
        let packed = operands.map { PackedOperand(offset: $0.offset, halo: $0.layout!.halo) }
        let layer = AddLayer(
            planes: (layout.n + layout.batch - 1) / layout.batch * layout.channelBlocks, height: layout.h,
            width: layout.w, input1: packed[0], input2: packed[1], output: packed[2], rule: rule,
            tilesOffset: constants.append(AddLowering.digitTiles(rule, config: config)),
            constantOffset: AddLowering.immediateConstant(rule) == nil
                ? constants.append(
                    ConstantsRegion.accumulatorVectors(
                        [Int32](repeating: Int32(truncatingIfNeeded: rule.constant), count: config.blockOut),
                        lanes: config.blockOut,
                        batch: config.batch)) : nil)
        let tiles = AddLowering.chooseTileCount(layer, target: target, after: b)
        try AddLowering.emit(layer, into: &b, tiles: tiles)
        methods[node.id] =
            "GEMM digit products of both inputs into one accumulator; \(tiles) tile\(tiles == 1 ? "" : "s"), double buffered"
        routes[node.id] =
            "linear rule (\(rule.weight1)·x1 + \(rule.weight2)·x2 + \(rule.constant)) >> \(rule.shift), "
            + "\(max(AddLowering.digits(rule.weight1).count, AddLowering.digits(rule.weight2).count)) GEMM digits"
    }

    /// A standalone RELU/RELU6/RELU_N1_TO_1 with equal input and output quantization: a 1x1
    /// max pool whose clamp is the activation.
    mutating func lowerClamp(_ node: Node, into b: inout StreamBuilder) throws(LoweringError) {
        let activation: Activation
        switch node.op {
        case .relu: activation = .relu
        case .relu6: activation = .relu6
        default: activation = .reluN1To1
        }
        try lowerPool(
            node,
            PoolAttributes(
                filterH: 1, filterW: 1, strideH: 1, strideW: 1, paddingScheme: .valid, padding: .zero,
                activation: activation), into: &b)
    }
}
