import CTFLiteReader

/// Turns a verified flatbuffer into `TFLiteModel` values through the C shim, checking every
/// cross-reference (operator codes, tensors, buffers) as it goes.
struct ModelDecoder {
    let base: UnsafePointer<UInt8>
    let fileSize: Int
    let path: String
    private var buffers: [[UInt8]] = []
    private var codes: [(kind: OperatorKind, version: Int)] = []

    init(base: UnsafePointer<UInt8>, fileSize: Int, path: String) {
        self.base = base
        self.fileSize = fileSize
        self.path = path
    }

    mutating func decode() throws(TFLiteError) -> TFLiteModel {
        var info = TflModelInfo()
        tfl_model_info(base, &info)
        guard info.version == 3 else { throw .unsupportedSchemaVersion(path: path, version: info.version) }
        guard info.subgraph_count > 0 else { throw .noSubgraphs(path: path) }
        buffers = try (0..<info.buffer_count).map { index throws(TFLiteError) in try readBuffer(index) }
        codes = try (0..<info.operator_code_count).map { index throws(TFLiteError) in try readCode(index) }
        var metadataNames: [String] = []
        for index in 0..<info.metadata_count {
            var entry = TflMetadata()
            if tfl_metadata(base, index, &entry) { metadataNames.append(string(entry.name)) }
        }
        let subgraphs = try (0..<info.subgraph_count).map { index throws(TFLiteError) in
            try readSubgraph(index)
        }
        return TFLiteModel(
            version: info.version, description: string(info.description), subgraphs: subgraphs,
            metadataNames: metadataNames)
    }

    // MARK: - Tables

    private func readBuffer(_ index: Int) throws(TFLiteError) -> [UInt8] {
        var buffer = TflBuffer()
        guard tfl_buffer(base, index, &buffer) else { throw invalid("buffer \(index) cannot be read") }
        // Offsets 0 and 1 both mean "inline": the converter writes 1 as a placeholder.
        if buffer.offset > 1 {
            guard buffer.offset <= UInt64(fileSize), buffer.size <= UInt64(fileSize) - buffer.offset else {
                throw invalid(
                    "buffer \(index) points at bytes \(buffer.offset)..<\(buffer.offset &+ buffer.size), "
                        + "past the end of the \(fileSize)-byte file")
            }
            return Array(UnsafeBufferPointer(start: base + Int(buffer.offset), count: Int(buffer.size)))
        }
        return bytes(buffer.data)
    }

    private func readCode(_ index: Int) throws(TFLiteError) -> (kind: OperatorKind, version: Int) {
        var code = TflOperatorCode()
        guard tfl_operator_code(base, index, &code) else {
            throw invalid("operator code \(index) cannot be read")
        }
        let op = BuiltinOperator(rawValue: code.builtin_code)
        if op == .custom {
            let name = string(code.custom_code)
            guard !name.isEmpty else { throw invalid("operator code \(index) is CUSTOM but has no name") }
            return (.custom(name), Int(code.version))
        }
        return (.builtin(op), Int(code.version))
    }

    private func readSubgraph(_ index: Int) throws(TFLiteError) -> Subgraph {
        var info = TflSubgraphInfo()
        guard tfl_subgraph(base, index, &info) else { throw invalid("subgraph \(index) cannot be read") }
        let tensorCount = info.tensor_count
        let tensors = try (0..<tensorCount).map { t throws(TFLiteError) in try readTensor(index, t) }
        let operators = try (0..<info.operator_count).map { o throws(TFLiteError) in
            try readOperator(index, o, tensorCount: tensorCount)
        }
        let inputs = ints(info.inputs)
        let outputs = ints(info.outputs)
        for (role, list) in [("input", inputs), ("output", outputs)] {
            for t in list where t < 0 || t >= tensorCount {
                throw invalid(
                    "subgraph \(index) \(role) is tensor \(t), but the subgraph has \(tensorCount) tensors")
            }
        }
        return Subgraph(
            name: string(info.name), tensors: tensors, operators: operators, inputs: inputs, outputs: outputs)
    }

    private func readTensor(_ subgraph: Int, _ index: Int) throws(TFLiteError) -> Tensor {
        var raw = TflTensor()
        guard tfl_tensor(base, subgraph, index, &raw) else { throw invalid("tensor \(index) cannot be read") }
        let name = string(raw.name)
        let label = "tensor \(index) '\(name)'"
        guard let type = ElementType(rawValue: raw.type) else {
            throw invalid("\(label) has unknown element type \(raw.type)")
        }
        let shape = ints(raw.shape)
        if let bad = shape.first(where: { $0 < 0 }) {
            throw invalid("\(label) has a negative dimension \(bad) in its shape \(shape)")
        }
        if raw.is_sparse { throw invalid("\(label) is sparse; vtac reads dense tensors only") }
        let quantization = try readQuantization(raw.quantization, shape: shape, label: label)
        guard Int(raw.buffer) < buffers.count || (raw.buffer == 0 && buffers.isEmpty) else {
            throw invalid(
                "\(label) refers to buffer \(raw.buffer), but the model has \(buffers.count) buffers")
        }
        let contents = buffers.isEmpty ? [] : buffers[Int(raw.buffer)]
        let data: [UInt8]? = contents.isEmpty ? nil : contents
        if let data, let needed = Self.byteCount(type: type, shape: shape), data.count != needed {
            let relation = data.count < needed ? "shorter than" : "longer than"
            throw invalid(
                "constant data of \(label) is \(data.count) bytes, \(relation) the \(needed) bytes "
                    + "its shape \(shape) of \(type) needs")
        }
        return Tensor(
            index: index, name: name, shape: shape,
            shapeSignature: raw.shape_signature.present ? ints(raw.shape_signature) : nil,
            type: type, quantization: quantization, data: data, isVariable: raw.is_variable)
    }

    private func readQuantization(
        _ q: TflQuantization, shape: [Int], label: String
    ) throws(TFLiteError) -> Quantization? {
        guard q.present else { return nil }
        if q.has_custom_details {
            throw invalid("\(label) uses custom quantization, which vtac does not read")
        }
        let scales = Array(UnsafeBufferPointer(start: q.scale, count: q.scale_count))
        let zeroPoints = Array(UnsafeBufferPointer(start: q.zero_point, count: q.zero_point_count))
        guard !scales.isEmpty else { return nil }  // min/max only: not a quantized tensor
        guard zeroPoints.count == scales.count else {
            throw invalid("\(label) has \(scales.count) scales but \(zeroPoints.count) zero points")
        }
        let axis = Int(q.quantized_dimension)
        if scales.count > 1 {
            guard axis >= 0 && axis < shape.count, shape[axis] == scales.count else {
                throw invalid(
                    "\(label) has \(scales.count) per-axis scales along dimension \(axis), "
                        + "which does not match its shape \(shape)")
            }
        }
        return Quantization(
            scales: scales, zeroPoints: zeroPoints, quantizedDimension: axis,
            min: Array(UnsafeBufferPointer(start: q.min, count: q.min_count)),
            max: Array(UnsafeBufferPointer(start: q.max, count: q.max_count)))
    }

    private func readOperator(_ subgraph: Int, _ index: Int, tensorCount: Int) throws(TFLiteError) -> Operator
    {
        var raw = TflOperator()
        guard tfl_operator(base, subgraph, index, &raw) else {
            throw invalid("operator \(index) cannot be read")
        }
        guard Int(raw.opcode_index) < codes.count else {
            throw invalid(
                "operator \(index) uses operator code \(raw.opcode_index), but the model has \(codes.count)")
        }
        let code = codes[Int(raw.opcode_index)]
        let label = "operator \(index) (\(code.kind))"
        let inputs = ints(raw.inputs)
        let outputs = ints(raw.outputs)
        for (position, t) in inputs.enumerated() where t < -1 || t >= tensorCount {
            throw invalid(
                "\(label) input \(position) is tensor \(t), but the subgraph has \(tensorCount) tensors")
        }
        for (position, t) in outputs.enumerated() where t < 0 || t >= tensorCount {
            throw invalid(
                "\(label) output \(position) is tensor \(t), but the subgraph has \(tensorCount) tensors")
        }
        let options = try OptionsDecoder.decode(raw.options, label: label, path: path)
        return Operator(
            index: index, kind: code.kind, version: code.version, inputs: inputs, outputs: outputs,
            options: options)
    }

    // MARK: - Helpers

    /// Bytes a dense tensor of this type and shape occupies, nil where it cannot be known.
    static func byteCount(type: ElementType, shape: [Int]) -> Int? {
        let (count, overflow) = shape.reduce((1, false)) { acc, d in
            let m = acc.0.multipliedReportingOverflow(by: d)
            return (m.partialValue, acc.1 || m.overflow)
        }
        if overflow { return Int.max }
        if type == .int4 { return (count + 1) / 2 }
        guard let size = type.byteSize else { return nil }
        let total = count.multipliedReportingOverflow(by: size)
        return total.overflow ? Int.max : total.partialValue
    }

    private func invalid(_ what: String) -> TFLiteError { .invalid(path: path, what: what) }

    private func string(_ b: TflBytes) -> String {
        guard let data = b.data, b.count > 0 else { return "" }
        return String(decoding: UnsafeBufferPointer(start: data, count: b.count), as: UTF8.self)
    }

    private func bytes(_ b: TflBytes) -> [UInt8] {
        guard let data = b.data, b.count > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: b.count))
    }

    private func ints(_ v: TflInts) -> [Int] {
        guard let data = v.data, v.count > 0 else { return [] }
        return UnsafeBufferPointer(start: data, count: v.count).map { Int($0) }
    }
}
