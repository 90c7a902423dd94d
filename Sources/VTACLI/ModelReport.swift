import GraphIR
import TFLite

/// Everything `vtac inspect model.tflite` shows, gathered once; the text and JSON views render
/// this same value, so they cannot disagree.
struct ModelReport: Encodable {
    struct SubgraphSummary: Encodable {
        var index: Int
        var name: String
        var operators: Int
        var tensors: Int
    }

    struct OperatorEntry: Encodable {
        var index: Int
        var name: String
        var kind: String
        var version: Int
        var inputs: [Int?]
        var outputs: [Int]
        var options: ReportFields
        var macs: Int
    }

    struct QuantizationEntry: Encodable {
        var scale: [Float]
        var zeroPoint: [Int64]
        /// Present for per-axis quantization only.
        var axis: Int?

        enum CodingKeys: String, CodingKey {
            case scale
            case zeroPoint = "zero_point"
            case axis
        }
    }

    struct TensorEntry: Encodable {
        var index: Int
        var name: String
        var shape: [Int]
        var shapeSignature: [Int]?
        var type: String
        var quantization: QuantizationEntry?
        var constantBytes: Int?
        var producer: Int?

        enum CodingKeys: String, CodingKey {
            case index, name, shape
            case shapeSignature = "shape_signature"
            case type, quantization
            case constantBytes = "constant_bytes"
            case producer
        }
    }

    struct Totals: Encodable {
        var operators: Int
        /// Operator counts by kind.
        var byKind: ReportFields
        var tensors: Int
        var macs: Int
        var constantBytes: Int

        enum CodingKeys: String, CodingKey {
            case operators
            case byKind = "by_kind"
            case tensors, macs
            case constantBytes = "constant_bytes"
        }
    }

    var file: String
    var sizeBytes: Int
    var schemaVersion: UInt32
    var description: String
    var subgraphs: [SubgraphSummary]
    var inputs: [Int]
    var outputs: [Int]
    var operators: [OperatorEntry]
    var tensors: [TensorEntry]
    var totals: Totals

    enum CodingKeys: String, CodingKey {
        case file
        case sizeBytes = "size_bytes"
        case schemaVersion = "schema_version"
        case description, subgraphs, inputs, outputs, operators, tensors, totals
    }

    init(model: TFLiteModel, graph: Graph, file: String, sizeBytes: Int) {
        self.file = file
        self.sizeBytes = sizeBytes
        schemaVersion = model.version
        description = model.description
        subgraphs = model.subgraphs.enumerated().map { index, s in
            SubgraphSummary(
                index: index, name: s.name, operators: s.operators.count, tensors: s.tensors.count)
        }
        inputs = graph.inputs
        outputs = graph.outputs
        let main = model.main
        operators = graph.nodes.map { node in
            OperatorEntry(
                index: node.id, name: node.name, kind: node.op.kindName,
                version: main.operators[node.id].version,
                inputs: node.inputs, outputs: node.outputs,
                options: ReportFields(fields: OperatorDetails.fields(of: node.op)),
                macs: node.macs)
        }
        tensors = graph.values.map { value in
            TensorEntry(
                index: value.id, name: value.name, shape: value.shape,
                shapeSignature: main.tensors[value.id].shapeSignature, type: value.type.description,
                quantization: value.quantization.map {
                    QuantizationEntry(
                        scale: $0.scales, zeroPoint: $0.zeroPoints,
                        axis: $0.isPerAxis ? $0.quantizedDimension : nil)
                },
                constantBytes: value.constant?.count, producer: value.producer)
        }
        var kinds: [(key: String, value: ReportValue)] = []
        for node in graph.nodes {
            if let i = kinds.firstIndex(where: { $0.key == node.op.kindName }),
                case .int(let n) = kinds[i].value
            {
                kinds[i].value = .int(n + 1)
            } else {
                kinds.append((node.op.kindName, .int(1)))
            }
        }
        totals = Totals(
            operators: graph.nodes.count, byKind: ReportFields(fields: kinds), tensors: graph.values.count,
            macs: graph.totalMACs, constantBytes: graph.constantBytes)
    }
}
