import Foundation

/// The JSON form stored in `alerts.threshold_config` and read from `devices.configuration.alert_rules`:
/// the same snake_case keys as the YAML (`name`, `sensor`, `above`, `below`, `hysteresis`, `for_s`,
/// `severity`, `auto_resolve`). Missing optional keys take the defaults; unknown keys are rejected.
///
/// Decoding throws ``ConfigurationError`` (not `DecodingError`) with every problem of the rule,
/// keyed by the decoder's coding path, e.g. `alert_rules[1].severity`.
extension AlertRule: Codable {
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: FieldKey.self)
        try container.encode(name, forKey: FieldKey("name"))
        try container.encode(sensor, forKey: FieldKey("sensor"))
        try container.encodeIfPresent(above, forKey: FieldKey("above"))
        try container.encodeIfPresent(below, forKey: FieldKey("below"))
        try container.encode(hysteresis, forKey: FieldKey("hysteresis"))
        try container.encode(forSeconds, forKey: FieldKey("for_s"))
        try container.encode(severity.rawValue, forKey: FieldKey("severity"))
        try container.encode(autoResolve, forKey: FieldKey("auto_resolve"))
    }

    public init(from decoder: any Decoder) throws {
        let path = dottedPath(decoder.codingPath)
        let container: KeyedDecodingContainer<FieldKey>
        do {
            container = try decoder.container(keyedBy: FieldKey.self)
        } catch {
            throw ConfigurationError(ConfigurationProblem(
                code: .wrongType, key: path, message: "expected a rule object such as {\"name\":\"hot\",\"sensor\":\"temperature\",\"above\":80}"))
        }
        var draft = AlertRuleDraft()
        func problem(_ code: ConfigurationProblem.Code, _ field: String, _ message: String) {
            draft.invalidFields.insert(field)
            draft.readProblems.append(ConfigurationProblem(code: code, key: path.isEmpty ? field : "\(path).\(field)", message: message))
        }
        func read<T: Decodable>(_ field: String, _ type: T.Type, expected: String) -> T? {
            do {
                return try container.decodeIfPresent(type, forKey: FieldKey(field))
            } catch {
                problem(.wrongType, field, "expected \(expected)")
                return nil
            }
        }
        for key in container.allKeys where !AlertRuleDraft.fieldNames.contains(key.stringValue) {
            let hint = suggestion(for: key.stringValue, among: AlertRuleDraft.fieldNames).map { "did you mean \($0)?" }
                ?? "allowed keys are \(AlertRuleDraft.fieldNames.joined(separator: ", "))"
            draft.readProblems.append(ConfigurationProblem(
                code: .unknownKey, key: path.isEmpty ? key.stringValue : "\(path).\(key.stringValue)",
                message: "unknown key; \(hint)"))
        }
        draft.name = read("name", String.self, expected: "a string")
        draft.sensor = read("sensor", String.self, expected: "a string")
        draft.above = read("above", Double.self, expected: "a number")
        draft.below = read("below", Double.self, expected: "a number")
        if let value = read("hysteresis", Double.self, expected: "a number") { draft.hysteresis = value }
        if let value = read("for_s", Double.self, expected: "a number of seconds") { draft.forSeconds = value }
        if let value = read("auto_resolve", Bool.self, expected: "true or false") { draft.autoResolve = value }
        if let text = read("severity", String.self, expected: "a string: \(choices(AlertSeverity.self))") {
            if let severity = AlertSeverity(rawValue: text.lowercased()) {
                draft.severity = severity
            } else {
                problem(.notAllowed, "severity", "\"\(text)\" is not allowed; use \(choices(AlertSeverity.self))")
            }
        }
        switch draft.build(path: path) {
        case .success(let rule): self = rule
        case .failure(let error): throw error
        }
    }
}

/// A coding key for any string, so unknown keys can be seen and reported.
struct FieldKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) {
        self.stringValue = String(intValue)
        self.intValue = intValue
    }
}

/// `alert_rules[1]` from a coding path.
func dottedPath(_ codingPath: [any CodingKey]) -> String {
    var result = ""
    for key in codingPath {
        if let index = key.intValue {
            result += "[\(index)]"
        } else {
            result += result.isEmpty ? key.stringValue : ".\(key.stringValue)"
        }
    }
    return result
}
