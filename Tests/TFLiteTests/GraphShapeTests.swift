import GraphIR
import TFLite
import TestSupport
import Testing

/// Shapes, padding and MACs of the graph IR, checked against arithmetic done here from the
/// interpreter's view of the tensors (not from our own attribute code).
@Suite struct GraphShapeTests {
    @Test(arguments: Fixtures.allModels().map(\.name))
    func macsFollowFromTensorShapes(name: String) throws {
        let path = Fixtures.allModels().first { $0.name == name }!.model
        let graph = try GraphBuilder.build(try TFLiteReader.read(path: path), path: path)
        let view = try InterpreterView.load(name: name)
        for op in view.operators {
            let shape = { (t: Int) in view.tensors[t].shape }
            let out = shape(op.outputs[0]).reduce(1, *)
            let expected: Int
            switch op.kind {
            case "CONV_2D":
                let w = shape(op.inputs[1])
                expected = out * w[1] * w[2] * w[3]
            case "DEPTHWISE_CONV_2D":
                let w = shape(op.inputs[1])
                expected = out * w[1] * w[2]
            case "FULLY_CONNECTED":
                expected = out * shape(op.inputs[1])[1]
            default:
                expected = 0
            }
            #expect(graph.nodes[op.index].macs == expected, "\(name) operator \(op.index) \(op.kind)")
        }
    }

    /// TFLite's SAME padding puts the odd element after: 32 → 16 with a 3x3 stride-2 kernel
    /// pads 0 before and 1 after; VALID pads nothing.
    @Test func resnetPadding() throws {
        let path = Fixtures.sharedModels.appendingPathComponent("resnet8_cifar10/model.tflite").path
        let graph = try GraphBuilder.build(try TFLiteReader.read(path: path), path: path)
        guard case .conv2D(let first) = graph.nodes[0].op, case .conv2D(let down) = graph.nodes[4].op,
            case .averagePool2D(let pool) = graph.nodes[12].op
        else {
            Issue.record("unexpected operators")
            return
        }
        #expect(first.padding == Padding2D(top: 1, bottom: 1, left: 1, right: 1))
        #expect(down.strideH == 2 && down.padding == Padding2D(top: 0, bottom: 1, left: 0, right: 1))
        #expect(pool.padding == .zero && pool.filterH == 8)
        #expect(graph.totalMACs == 12_501_632)
    }
}
