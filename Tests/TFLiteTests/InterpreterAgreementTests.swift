import Foundation
import GraphIR
import TFLite
import TestSupport
import Testing

/// Our reading of every model agrees with what the pinned TFLite interpreter reports: operators
/// and their tensors, every tensor's shape, type and quantization, and every constant's bytes.
@Suite struct InterpreterAgreementTests {
    static let models = Fixtures.allModels()

    @Test func everyModelHasAFixture() throws {
        #expect(Self.models.count >= 4, "expected Models/ and ../shared/models to hold models")
        for (name, _) in Self.models {
            #expect(throws: Never.self, "missing Tests/Fixtures/interpreter-views/\(name).json") {
                _ = try InterpreterView.load(name: name)
            }
        }
    }

    @Test(arguments: models.map(\.name))
    func agreesWithInterpreter(name: String) throws {
        let path = Self.models.first { $0.name == name }!.model
        let model = try TFLiteReader.read(path: path)
        let reference = try InterpreterView.load(name: name)
        let main = model.main
        #expect(main.inputs == reference.inputs)
        #expect(main.outputs == reference.outputs)
        try #require(main.operators.count == reference.operators.count)
        for (op, ref) in zip(main.operators, reference.operators) {
            #expect(op.kind.description == ref.kind, "operator \(op.index)")
            #expect(op.inputs == ref.inputs, "operator \(op.index) inputs")
            #expect(op.outputs == ref.outputs, "operator \(op.index) outputs")
        }
        try #require(main.tensors.count == reference.tensors.count)
        for (t, ref) in zip(main.tensors, reference.tensors) {
            let label = "tensor \(t.index)"
            #expect(t.name == ref.name, "\(label)")
            #expect(t.shape == ref.shape, "\(label)")
            #expect((t.shapeSignature ?? t.shape) == ref.shape_signature, "\(label)")
            #expect(t.type.description == ref.type, "\(label)")
            let scales = t.quantization?.scales ?? []
            #expect(scales == ref.scales.map { Float($0) }, "\(label) scales")
            #expect((t.quantization?.zeroPoints ?? []) == ref.zero_points, "\(label) zero points")
            if let q = t.quantization, q.isPerAxis {
                #expect(q.quantizedDimension == ref.quantized_dimension, "\(label) axis")
            }
            if let expected = ref.constant_fnv1a64 {
                let data = try #require(t.data, "\(label) should be constant")
                #expect(data.count == ref.constant_bytes, "\(label) size")
                #expect(fnv1a64(data) == expected, "\(label) contents")
            }
        }
    }

    /// The graph IR keeps tensor numbering and links every operator output to its producer.
    @Test(arguments: models.map(\.name))
    func graphLinksProducers(name: String) throws {
        let path = Self.models.first { $0.name == name }!.model
        let graph = try GraphBuilder.build(try TFLiteReader.read(path: path), path: path)
        let reference = try InterpreterView.load(name: name)
        for op in reference.operators {
            for output in op.outputs { #expect(graph.values[output].producer == op.index) }
        }
        for input in reference.inputs { #expect(graph.values[input].producer == nil) }
    }
}
