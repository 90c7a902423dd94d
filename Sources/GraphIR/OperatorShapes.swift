import TFLite

/// TFLite's output-size and padding rules, applied while building nodes.
extension OperatorContext {
    /// Output size and padding along one spatial axis, as TFLite computes them
    /// (`ComputeOutSize` / `ComputePaddingHeightWidth`): SAME pads the total evenly with the
    /// odd element after, VALID pads nothing.
    static func spatial(
        input: Int, filter: Int, stride: Int, dilation: Int, scheme: TFLite.Padding
    ) -> (output: Int, before: Int, after: Int) {
        let effective = (filter - 1) * dilation + 1
        let output: Int
        switch scheme {
        case .same: output = (input + stride - 1) / stride
        case .valid: output = max(0, (input - effective + stride) / stride)
        }
        let total = max(0, (output - 1) * stride + effective - input)
        return (output, total / 2, total - total / 2)
    }

    func positive(_ value: Int, _ what: String) throws(GraphError) {
        guard value > 0 else { throw error("\(what) is \(value), must be positive") }
    }

    func convolution(
        strideH: Int, strideW: Int, dilationH: Int, dilationW: Int, padding: TFLite.Padding,
        activation: Activation, depthwise: Bool
    ) throws(GraphError) -> (attributes: ConvAttributes, macs: Int) {
        let x = try input(0)
        let w = try input(1)
        let y = try output()
        try rank(x, 4, role: "input")
        try rank(w, 4, role: "filter")
        try rank(y, 4, role: "output")
        for (value, what) in [
            (strideH, "stride_h"), (strideW, "stride_w"), (dilationH, "dilation_h"),
            (dilationW, "dilation_w"),
        ] {
            try positive(value, what)
        }
        let (kh, kw) = (w.shape[1], w.shape[2])
        try positive(kh, "the filter height")
        try positive(kw, "the filter width")
        let inC = x.shape[3]
        let outC = y.shape[3]
        var multiplier = 1
        if depthwise {
            // Filter [1, KH, KW, OC] with OC = IC × multiplier.
            guard w.shape[0] == 1, w.shape[3] == outC, inC > 0, outC % inC == 0 else {
                throw error("filter shape \(w.shape) does not fit input \(x.shape) and output \(y.shape)")
            }
            multiplier = outC / inC
        } else {
            // Filter [OC, KH, KW, IC].
            guard w.shape[0] == outC, w.shape[3] == inC else {
                throw error("filter shape \(w.shape) does not fit input \(x.shape) and output \(y.shape)")
            }
        }
        if let bias = optionalInput(2), bias.shape != [outC] {
            throw error("bias tensor \(bias.index) has shape \(bias.shape), expected [\(outC)]")
        }
        let rows = Self.spatial(
            input: x.shape[1], filter: kh, stride: strideH, dilation: dilationH, scheme: padding)
        let cols = Self.spatial(
            input: x.shape[2], filter: kw, stride: strideW, dilation: dilationW, scheme: padding)
        let expected = [x.shape[0], rows.output, cols.output, outC]
        guard y.shape == expected else {
            throw error(
                "output shape \(y.shape) does not match the \(expected) that its input, filter and strides give"
            )
        }
        let attributes = ConvAttributes(
            kernelH: kh, kernelW: kw, strideH: strideH, strideW: strideW, dilationH: dilationH,
            dilationW: dilationW, paddingScheme: padding,
            padding: Padding2D(top: rows.before, bottom: rows.after, left: cols.before, right: cols.after),
            activation: activation, inputChannels: inC, outputChannels: outC, depthMultiplier: multiplier)
        let taps = depthwise ? kh * kw : kh * kw * inC
        return (attributes, y.elementCount * taps)
    }

    func pool(_ o: Pool2DOptions) throws(GraphError) -> PoolAttributes {
        let x = try input(0)
        let y = try output()
        try rank(x, 4, role: "input")
        try rank(y, 4, role: "output")
        for (value, what) in [
            (o.strideH, "stride_h"), (o.strideW, "stride_w"), (o.filterH, "filter_height"),
            (o.filterW, "filter_width"),
        ] {
            try positive(value, what)
        }
        let rows = Self.spatial(
            input: x.shape[1], filter: o.filterH, stride: o.strideH, dilation: 1, scheme: o.padding)
        let cols = Self.spatial(
            input: x.shape[2], filter: o.filterW, stride: o.strideW, dilation: 1, scheme: o.padding)
        let expected = [x.shape[0], rows.output, cols.output, x.shape[3]]
        guard y.shape == expected else {
            throw error(
                "output shape \(y.shape) does not match the \(expected) that its input, filter and strides give"
            )
        }
        return PoolAttributes(
            filterH: o.filterH, filterW: o.filterW, strideH: o.strideH, strideW: o.strideW,
            paddingScheme: o.padding,
            padding: Padding2D(top: rows.before, bottom: rows.after, left: cols.before, right: cols.after),
            activation: o.activation)
    }

    func fullyConnected(_ o: FullyConnectedOptions) throws(GraphError) -> FullyConnectedAttributes {
        let x = try input(0)
        let w = try input(1)
        let y = try output()
        try rank(w, 2, role: "weights")
        let (outDepth, inDepth) = (w.shape[0], w.shape[1])
        try positive(inDepth, "the weights' input depth")
        guard x.elementCount % inDepth == 0 else {
            throw error(
                "input shape \(x.shape) is not a whole number of rows of \(inDepth) (weights \(w.shape))")
        }
        let batches = x.elementCount / inDepth
        guard y.elementCount == batches * outDepth, y.shape.last == outDepth else {
            throw error(
                "output shape \(y.shape) does not match \(batches) rows of \(outDepth) (weights \(w.shape))")
        }
        if let bias = optionalInput(2), bias.shape != [outDepth] {
            throw error("bias tensor \(bias.index) has shape \(bias.shape), expected [\(outDepth)]")
        }
        return FullyConnectedAttributes(
            activation: o.activation, keepNumDims: o.keepNumDims, batches: batches, inputDepth: inDepth,
            outputDepth: outDepth)
    }
}
