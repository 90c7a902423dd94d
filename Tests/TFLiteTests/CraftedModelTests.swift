import GraphIR
import TFLite
import TestSupport
import Testing

/// Valid hand-made models exercise what the generated zoo does not: omitted optional inputs,
/// custom operators, operator codes past 127, several subgraphs, uint8 tensors.
@Suite struct CraftedModelTests {
    func read(_ name: String) throws -> TFLiteModel {
        try TFLiteReader.read(path: Fixtures.path("Tests/Fixtures/crafted/\(name).tflite"))
    }

    @Test func fullyConnectedWithoutBias() throws {
        let model = try read("valid_fc")
        #expect(model.version == 3)
        #expect(model.description == "crafted: one FULLY_CONNECTED")
        let op = model.main.operators[0]
        #expect(op.kind == .builtin(.fullyConnected))
        #expect(op.inputs == [0, 1, -1])
        guard case .fullyConnected(let options) = op.options else {
            Issue.record("expected FullyConnectedOptions")
            return
        }
        #expect(options.activation == .relu)
        let w = model.main.tensors[1]
        #expect(w.data == [1, 2, 3, 4, 5, 6, 7, 8])
        #expect(w.quantization?.scale == 0.25)
        #expect(model.main.tensors[2].quantization?.zeroPoint == -1)

        let graph = try GraphBuilder.build(model, path: "valid_fc")
        #expect(graph.nodes[0].inputs == [0, 1, nil])
        #expect(graph.nodes[0].macs == 8)
        #expect(graph.constantBytes == 8)
    }

    @Test func customOperatorsAndSubgraphs() throws {
        let model = try read("custom_and_subgraphs")
        #expect(model.subgraphs.count == 2)
        #expect(model.subgraphs[1].name == "second")
        let kinds = model.main.operators.map(\.kind)
        #expect(
            kinds == [
                .builtin(.fullyConnected), .custom("VtacTestOp"), .builtin(BuiltinOperator(rawValue: 150)),
            ])
        #expect(kinds[2].description == "GELU")
        let graph = try GraphBuilder.build(model, path: "custom_and_subgraphs")
        #expect(graph.nodes.map(\.op.kindName) == ["FULLY_CONNECTED", "CUSTOM(VtacTestOp)", "GELU"])
    }

    @Test func uint8Tensor() throws {
        let model = try read("uint8_input")
        #expect(model.main.tensors[0].type == .uint8)
        #expect(model.main.tensors[0].quantization?.zeroPoint == 128)
    }

    @Test func shapeContradictionNamesTheOperator() throws {
        let model = try read("bad_fc_shape")
        #expect(throws: GraphError.self) { try GraphBuilder.build(model, path: "m.tflite") }
        do {
            _ = try GraphBuilder.build(model, path: "m.tflite")
        } catch {
            #expect(
                error.description.hasPrefix("m.tflite: operator 0 (FULLY_CONNECTED): output shape [1, 3]"))
        }
    }

    /// One operator of each kind whose options vtac reads, built by hand with known values.
    @Test func optionsOfEveryKind() throws {
        let model = try read("options_zoo")
        let graph = try GraphBuilder.build(model, path: "options_zoo")
        let ops = graph.nodes.map(\.op)
        try #require(ops.count == 14)
        #expect(ops[0] == .sub(activation: .relu6))
        #expect(ops[1] == .mul(activation: .relu))
        #expect(ops[2] == .concatenation(axis: 3, activation: .none))
        #expect(ops[3] == .pad)
        guard case .averagePool2D(let avg) = ops[4], case .maxPool2D(let max) = ops[5] else {
            Issue.record("expected pools, got \(ops[4]) and \(ops[5])")
            return
        }
        #expect(
            avg.filterH == 2 && avg.strideW == 2 && avg.paddingScheme == .valid && avg.activation == .none)
        #expect(max.filterW == 3 && max.strideH == 1 && max.paddingScheme == .same && max.activation == .relu)
        #expect(max.padding == Padding2D(top: 1, bottom: 1, left: 1, right: 1))
        #expect(ops[6] == .mean(keepDims: true))
        #expect(ops[7] == .reshape(newShape: [1, -1]))
        #expect(Array(ops[8...]) == [.logistic, .relu, .relu6, .softmax(beta: 0.5), .dequantize, .quantize])
        #expect(graph.inputs == [0, 1])
        #expect(graph.values[17].type == .float32)
        #expect(graph.values[5].constant?.count == 32)
    }

    @Test func operatorNamesRoundTrip() {
        #expect(BuiltinOperator(name: "CONV_2D") == .conv2D)
        #expect(BuiltinOperator.quantize.name == "QUANTIZE")
        #expect(BuiltinOperator(rawValue: 205).name == "REDUCE_WINDOW")
        #expect(BuiltinOperator(rawValue: 999).name == "BUILTIN_999")
    }
}
