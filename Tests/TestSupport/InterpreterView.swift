import Foundation

/// What the pinned TFLite interpreter reports about a model
/// (Tools/reference/dump_interpreter_views.py writes these fixtures).
public struct InterpreterView: Decodable {
    public struct TensorView: Decodable {
        public var index: Int
        public var name: String
        public var shape: [Int]
        public var shape_signature: [Int]
        public var type: String
        public var scales: [Double]
        public var zero_points: [Int64]
        public var quantized_dimension: Int
        public var constant_bytes: Int?
        public var constant_fnv1a64: String?
    }

    public struct OperatorView: Decodable {
        public var index: Int
        public var kind: String
        public var inputs: [Int]
        public var outputs: [Int]
    }

    public var inputs: [Int]
    public var outputs: [Int]
    public var operators: [OperatorView]
    public var tensors: [TensorView]

    public static func load(name: String) throws -> InterpreterView {
        let path = Fixtures.path("Tests/Fixtures/interpreter-views/\(name).json")
        return try JSONDecoder().decode(
            InterpreterView.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }
}
