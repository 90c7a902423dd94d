import GraphIR
import Partitioning
import TFLite
import TFLiteArithmetic

/// The CPU kernels of the runtime, with their integer parameters prepared as TFLite's Prepare
/// does (the contract is at the top of Sources/CSDRuntime/kernel_check.c).
extension ManifestBuilder {
    func kernel(_ node: Node) throws(PackagingError) -> Vtac_Bundle_CpuKernel {
        func fail(_ why: String) -> PackagingError {
            PackagingError("operator \(node.name) (\(node.op.kindName)) on the CPU: \(why)")
        }
        func q(_ id: ValueID) throws(PackagingError) -> TensorQuantization {
            guard let q = graph.values[id].quantization, let s = q.scale, let z = q.zeroPoint else {
                throw fail("tensor \(graph.values[id].name) is not quantized per tensor")
            }
            return TensorQuantization(scale: s, zeroPoint: Int32(z))
        }
        func fused(_ a: Activation) throws(PackagingError) -> FusedActivation {
            switch a {
            case .none: return .none
            case .relu: return .relu
            case .relu6: return .relu6
            case .reluN1To1: return .reluN1To1
            default: throw fail("fused activation \(a) has no kernel")
            }
        }
        var k = Vtac_Bundle_CpuKernel()
        k.name = node.name
        let activations = node.presentInputs.filter { !graph.values[$0].isConstant }
        k.inputs = try activations.map { id throws(PackagingError) in try tensor(id) }
        k.outputs = try node.outputs.map { id throws(PackagingError) in try tensor(id) }
        let input = node.presentInputs.first.map { graph.values[$0] }
        let output = graph.values[node.outputs[0]]
        do {
            switch node.op {
            case .softmax(let beta):
                let s = try SoftmaxQuantization(
                    inputScale: try q(input!.id).scale, beta: beta, output: try q(output.id))
                var p = Vtac_Bundle_SoftmaxParams()
                p.inputMultiplier = s.inputMultiplier
                p.inputLeftShift = s.inputLeftShift
                p.diffMin = s.diffMin
                p.depth = Int32(output.shape.last ?? 1)
                p.rows = Int32(output.elementCount / max(output.shape.last ?? 1, 1))
                k.softmax = p
            case .quantize:
                var p = Vtac_Bundle_QuantizeParams()
                let out = try q(output.id)
                p.outputScale = out.scale
                p.outputZeroPoint = out.zeroPoint
                p.count = Int64(output.elementCount)
                if input!.type != .float32 {
                    let r = try RequantizeQuantization(
                        input: try q(input!.id), inputType: input!.type == .uint8 ? .uint8 : .int8,
                        output: out,
                        outputType: output.type == .uint8 ? .uint8 : .int8)
                    p.inputZeroPoint = r.inputZeroPoint
                    p.multiplier = r.multiplier.multiplier
                    p.shift = r.multiplier.shift
                }
                k.quantize = p
            case .dequantize:
                var p = Vtac_Bundle_DequantizeParams()
                let inQ = try q(input!.id)
                p.scale = inQ.scale
                p.zeroPoint = inQ.zeroPoint
                p.count = Int64(output.elementCount)
                k.dequantize = p
            case .reshape:
                var p = Vtac_Bundle_ReshapeParams()
                p.bytes = UInt64(output.byteCount)
                k.reshape = p
            case .conv2D(let a), .depthwiseConv2D(let a):
                let weights = graph.values[node.inputs[1]!]
                let prepared = try ConvQuantization(
                    input: try q(input!.id), filterScales: weights.quantization?.scales ?? [],
                    outputChannels: a.outputChannels, output: try q(output.id),
                    activation: try fused(a.activation))
                var p = Vtac_Bundle_ConvParams()
                if case .depthwiseConv2D = node.op { p.depthwise = true }
                p.strideH = Int32(a.strideH)
                p.strideW = Int32(a.strideW)
                p.dilationH = Int32(a.dilationH)
                p.dilationW = Int32(a.dilationW)
                p.padTop = Int32(a.padding.top)
                p.padLeft = Int32(a.padding.left)
                p.depthMultiplier = Int32(a.depthMultiplier)
                p.inputOffset = prepared.inputOffset
                p.outputOffset = prepared.outputOffset
                p.outputMultiplier = prepared.multipliers.map(\.multiplier)
                p.outputShift = prepared.multipliers.map(\.shift)
                p.activationMin = prepared.activationRange.min
                p.activationMax = prepared.activationRange.max
                p.filter = try tensor(weights.id)
                if node.inputs.count > 2, let bias = node.inputs[2] { p.bias = try tensor(bias) }
                k.conv = p
            case .fullyConnected(let a):
                let weights = graph.values[node.inputs[1]!]
                let prepared = try FullyConnectedQuantization(
                    input: try q(input!.id), weightScales: weights.quantization?.scales ?? [],
                    outputDepth: a.outputDepth,
                    output: try q(output.id), activation: try fused(a.activation))
                var p = Vtac_Bundle_FullyConnectedParams()
                p.inputOffset = prepared.inputOffset
                p.outputOffset = prepared.outputOffset
                p.outputMultiplier = prepared.multipliers.map(\.multiplier)
                p.outputShift = prepared.multipliers.map(\.shift)
                p.scale = prepared.effectiveScales
                p.activationMin = prepared.activationRange.min
                p.activationMax = prepared.activationRange.max
                p.weights = try tensor(weights.id)
                if node.inputs.count > 2, let bias = node.inputs[2] { p.bias = try tensor(bias) }
                k.fullyConnected = p
            case .add(let activation):
                let ids = node.presentInputs
                let a = try AddQuantization(
                    input1: try q(ids[0]), input2: try q(ids[1]), output: try q(output.id),
                    activation: try fused(activation))
                var p = Vtac_Bundle_AddParams()
                p.leftShift = a.leftShift
                p.input1Offset = a.input1Offset
                p.input1Multiplier = a.input1.multiplier
                p.input1Shift = a.input1.shift
                p.input2Offset = a.input2Offset
                p.input2Multiplier = a.input2.multiplier
                p.input2Shift = a.input2.shift
                p.outputOffset = a.outputOffset
                p.outputMultiplier = a.output.multiplier
                p.outputShift = a.output.shift
                p.activationMin = a.activationRange.min
                p.activationMax = a.activationRange.max
                k.add = p
                k.inputs = try ids.map { id throws(PackagingError) in try tensor(id) }
            case .maxPool2D(let a), .averagePool2D(let a):
                let range = try PoolQuantization(
                    output: try q(output.id), activation: try fused(a.activation))
                var p = Vtac_Bundle_PoolParams()
                if case .averagePool2D = node.op { p.average = true }
                p.filterH = Int32(a.filterH)
                p.filterW = Int32(a.filterW)
                p.strideH = Int32(a.strideH)
                p.strideW = Int32(a.strideW)
                p.padTop = Int32(a.padding.top)
                p.padLeft = Int32(a.padding.left)
                p.activationMin = range.activationRange.min
                p.activationMax = range.activationRange.max
                k.pool = p
            default:
                throw fail("the runtime has no CPU kernel for it")
            }
        } catch let error as PackagingError {
            throw error
        } catch {
            throw fail("\(error)")
        }
        return k
    }
}
