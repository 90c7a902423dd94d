/// A scalar or list in a report: what an attribute or option holds. One type serves the text
/// and the JSON views, so both always show the same facts.
enum ReportValue: Encodable, Equatable, CustomStringConvertible {
    case int(Int)
    case float(Float)
    case string(String)
    case bool(Bool)
    case ints([Int])

    func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .int(let v): try container.encode(v)
        case .float(let v): try container.encode(v)
        case .string(let v): try container.encode(v)
        case .bool(let v): try container.encode(v)
        case .ints(let v): try container.encode(v)
        }
    }

    var description: String {
        switch self {
        case .int(let v): String(v)
        case .float(let v): String(v)
        case .string(let v): v
        case .bool(let v): String(v)
        case .ints(let v): "[" + v.map(String.init).joined(separator: ",") + "]"
        }
    }
}

/// An ordered list of named values that encodes as a JSON object with keys in that order.
struct ReportFields: Encodable, Equatable {
    var fields: [(key: String, value: ReportValue)]

    static func == (a: ReportFields, b: ReportFields) -> Bool {
        a.fields.map(\.key) == b.fields.map(\.key) && a.fields.map(\.value) == b.fields.map(\.value)
    }

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: DynamicKey.self)
        for (key, value) in fields { try container.encode(value, forKey: DynamicKey(key)) }
    }

    struct DynamicKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
