import Bundle
import CSDRuntime
import NPY

/// A bundle's inputs and outputs as records: turning .npy arrays into the input region the
/// drive reads (bundle, records header, records) and the output region back into arrays.
struct BundleIO {
    struct Tensor {
        var name: String
        var shape: [Int]
        var type: NPYType
        var recordOffset: Int
        var size: Int
    }

    var inputs: [Tensor]
    var outputs: [Tensor]
    var inputRecordSize: Int
    var outputRecordSize: Int

    init(manifest m: Vtac_Bundle_Manifest, path: String) throws {
        func tensor(_ t: Vtac_Bundle_IOTensor) throws -> Tensor {
            let type: NPYType
            switch t.type {
            case .int8: type = .int8
            case .uint8: type = .uint8
            case .int32: type = .int32
            case .float32: type = .float32
            case .int16: type = .int16
            default: throw BadInput(message: "\(path): tensor \(t.name) has a type vtac run cannot exchange")
            }
            return Tensor(
                name: t.name, shape: t.shape.map { Int($0) }, type: type, recordOffset: Int(t.recordOffset),
                size: Int(t.size))
        }
        inputs = try m.inputs.map(tensor)
        outputs = try m.outputs.map(tensor)
        inputRecordSize = Int(m.inputRecordSize)
        outputRecordSize = Int(m.outputRecordSize)
    }

    /// How many records `array` holds for `tensor`: its shape, or a leading record axis before
    /// it (`prepended`), or in place of its leading 1.
    static func records(
        _ array: NPYArray, _ tensor: Tensor, path: String
    ) throws -> (count: Int, prepended: Bool) {
        if array.shape == tensor.shape { return (1, false) }
        if array.shape.count == tensor.shape.count + 1, Array(array.shape.dropFirst()) == tensor.shape {
            return (array.shape[0], true)
        }
        if tensor.shape.first == 1, array.shape.count == tensor.shape.count,
            Array(array.shape.dropFirst()) == Array(tensor.shape.dropFirst())
        {
            return (array.shape[0], false)
        }
        throw BadInput(
            message:
                "\(path): shape \(array.shape) does not fit input \(tensor.name) of shape \(tensor.shape) "
                + "(or records of it)")
    }

    /// Refuses a number of `--input` files other than the model's inputs.
    func checkInputCount(_ given: Int, bundle: String) throws {
        guard given == inputs.count else {
            throw BadInput(message: "\(bundle): the model has \(inputs.count) inputs; \(given) --input given")
        }
    }

    /// The `--input` files, one per model input in order: their count is checked first.
    func inputArrays(_ paths: [String], bundle: String) throws -> [NPYArray] {
        try checkInputCount(paths.count, bundle: bundle)
        return try paths.map { path throws in try NPYFile.read(path: path) }
    }

    func inputRegion(
        bundle: [UInt8], arrays: [NPYArray], paths: [String]
    ) throws -> (records: Int, prepended: Bool, region: [UInt8]) {
        var count: Int? = nil
        var prepended = false
        for (i, (array, tensor)) in zip(arrays, inputs).enumerated() {
            guard array.type == tensor.type else {
                throw BadInput(
                    message:
                        "\(paths[i]): \(array.type.name) data for input \(tensor.name) of type \(tensor.type.name)"
                )
            }
            let (n, prepends) = try Self.records(array, tensor, path: paths[i])
            if i == 0 { prepended = prepends }
            if let count, count != n {
                throw BadInput(message: "\(paths[i]): \(n) records, but the first input has \(count)")
            }
            count = n
        }
        let records = count ?? 1
        // The records header sits at the bundle's size rounded up to 16; the records follow it.
        let start = Int(csdrt_records_offset(UInt64(bundle.count))) - Int(CSDRT_RECORDS_HEADER_SIZE)
        var region = bundle + [UInt8](repeating: 0, count: start - bundle.count)
        region +=
            (0..<8).map { UInt8(truncatingIfNeeded: UInt64(records) >> (8 * $0)) }
            + [UInt8](repeating: 0, count: 8)
        for r in 0..<records {
            var record = [UInt8](repeating: 0, count: inputRecordSize)
            for (array, tensor) in zip(arrays, inputs) {
                let slice = array.bytes[(r * tensor.size)..<((r + 1) * tensor.size)]
                record.replaceSubrange(tensor.recordOffset..<(tensor.recordOffset + tensor.size), with: slice)
            }
            region += record
        }
        return (records, prepended, region)
    }

    /// The outputs, with the records' axis in the style of the inputs: before the output's shape
    /// (`prepended`), or in place of its leading 1.
    func outputs(from bytes: [UInt8], records: Int, prepended: Bool) throws -> [NPYArray] {
        try outputs.map { tensor throws in
            var data: [UInt8] = []
            for r in 0..<records {
                let base = r * outputRecordSize + tensor.recordOffset
                data += bytes[base..<(base + tensor.size)]
            }
            let shape: [Int]
            if records == 1 && !prepended {
                shape = tensor.shape
            } else if !prepended && tensor.shape.first == 1 {
                shape = [records] + tensor.shape.dropFirst()
            } else {
                shape = [records] + tensor.shape
            }
            return try NPYArray(type: tensor.type, shape: shape, bytes: data)
        }
    }
}
