import ConnectionURL
import Yams

/// Problems found while reading, plus the line of every key seen (to place later, semantic problems).
final class ProblemLog {
    private(set) var problems: [ConfigurationProblem] = []
    private(set) var lines: [String: Int] = [:]

    func add(_ code: ConfigurationProblem.Code, _ key: String, _ message: String, line: Int?) {
        problems.append(ConfigurationProblem(code: code, key: key, message: message, line: line))
    }

    func append(_ problem: ConfigurationProblem) {
        problems.append(problem)
    }

    func saw(_ key: String, line: Int?) {
        if let line { lines[key] = line }
    }

    /// True when a problem was already reported for `key` or a key below it.
    func hasProblem(at key: String) -> Bool {
        problems.contains { $0.key == key || $0.key.hasPrefix(key + ".") || $0.key.hasPrefix(key + "[") }
    }
}

/// Reads one YAML mapping: typed values by key, remembering which keys were asked for so the
/// rest can be reported as unknown with a suggestion.
struct MappingReader {
    let path: String
    let log: ProblemLog
    private let entries: [(key: String, value: Node, line: Int?)]
    private var asked: [String] = []

    /// nil when `node` is absent or null (the section takes its defaults) or not a mapping (reported).
    init?(_ node: Node?, path: String, log: ProblemLog, expected: String = "a mapping of keys") {
        self.path = path
        self.log = log
        guard let node, !node.isNull else { return nil }
        guard case .mapping(let mapping) = node else {
            log.add(.wrongType, path, "expected \(expected), got \(node.kindDescription)", line: node.mark?.line)
            return nil
        }
        entries = mapping.map { pair in
            (pair.key.scalar?.string ?? "\(pair.key)", pair.value, pair.key.mark?.line)
        }
        for entry in entries { log.saw(childPath(entry.key), line: entry.line) }
    }

    func childPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The value under `key`, nil when absent; records `key` as known.
    mutating func node(_ key: String) -> Node? {
        asked.append(key)
        return entries.first(where: { $0.key == key })?.value
    }

    /// Sets `target` from `key` when present and convertible; otherwise leaves the default and logs why.
    mutating func read<T>(_ key: String, into target: inout T, _ convert: ValueConverter<T>) {
        guard let node = node(key) else { return }
        if let value = convert.convert(node, childPath(key), log) { target = value }
    }

    /// As `read`, for optional settings: null clears them.
    mutating func read<T>(_ key: String, into target: inout T?, _ convert: ValueConverter<T>) {
        guard let node = node(key) else { return }
        if node.isNull {
            target = nil
        } else if let value = convert.convert(node, childPath(key), log) {
            target = value
        }
    }

    /// Reports every key that was not asked for, suggesting the closest known one.
    /// `elsewhere` maps keys of other sections to their full path, for a key put in the wrong section.
    func reportUnknownKeys(elsewhere: [String: String] = [:]) {
        for entry in entries where !asked.contains(entry.key) {
            let hint: String
            if entry.key == "<<" {
                hint = "YAML merge keys are not supported; write the keys out"
            } else if let renamed = GatewayConfiguration.renamedKeys[childPath(entry.key)] {
                hint = "renamed to \(renamed); use that name"
            } else if let close = suggestion(for: entry.key, among: asked) {
                hint = "did you mean \(close)?"
            } else if let other = elsewhere[entry.key] {
                hint = "did you mean \(other)? it belongs in another section"
            } else {
                hint = "allowed keys here are \(asked.joined(separator: ", "))"
            }
            log.add(.unknownKey, childPath(entry.key), "unknown key; \(hint)", line: entry.line)
        }
    }
}

/// Turns a YAML node into a typed value or logs a problem naming the expected type.
struct ValueConverter<T>: Sendable {
    let convert: @Sendable (Node, String, ProblemLog) -> T?
}

extension ValueConverter where T == Int {
    /// Decimal integers (underscores allowed), unquoted.
    static var integer: ValueConverter<Int> {
        ValueConverter { node, key, log in
            guard let text = plainScalar(node, key, log, expected: "an integer") else { return nil }
            let digits = text.replacingOccurrences(of: "_", with: "")
            let body = digits.hasPrefix("-") || digits.hasPrefix("+") ? digits.dropFirst() : Substring(digits)
            guard !body.isEmpty, body.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                let what = Double(digits).map { $0.isFinite ? "a whole number" : "a finite integer" } ?? "an integer"
                log.add(.wrongType, key, "expected \(what), got \(quotedIfText(text))", line: node.mark?.line)
                return nil
            }
            guard let value = Int(digits) else {
                log.add(.outOfRange, key, "\(text) is far too large", line: node.mark?.line)
                return nil
            }
            return value
        }
    }
}

extension ValueConverter where T == Double {
    /// Finite numbers, unquoted.
    static var number: ValueConverter<Double> {
        ValueConverter { node, key, log in
            guard let text = plainScalar(node, key, log, expected: "a number") else { return nil }
            guard let value = Double(text.replacingOccurrences(of: "_", with: "")), value.isFinite,
                  text.allSatisfy({ $0.isASCII && ($0.isNumber || "+-._eE".contains($0)) }) else {
                log.add(.wrongType, key, "expected a finite number, got \(quotedIfText(text))", line: node.mark?.line)
                return nil
            }
            return value
        }
    }
}

extension ValueConverter where T == Bool {
    /// true/false (also yes/no/on/off, as YAML 1.1 allows), unquoted.
    static var boolean: ValueConverter<Bool> {
        ValueConverter { node, key, log in
            guard let text = plainScalar(node, key, log, expected: "true or false") else { return nil }
            switch text.lowercased() {
            case "true", "yes", "on": return true
            case "false", "no", "off": return false
            default:
                log.add(.wrongType, key, "expected true or false, got \(quotedIfText(text))", line: node.mark?.line)
                return nil
            }
        }
    }
}

extension ValueConverter where T == String {
    /// Any scalar, quoted or not, taken as written.
    static var string: ValueConverter<String> {
        ValueConverter { node, key, log in
            guard case .scalar(let scalar) = node else {
                log.add(.wrongType, key, "expected a string, got \(node.kindDescription)", line: node.mark?.line)
                return nil
            }
            if node.isNull {
                log.add(.missingValue, key, "has no value; give one (\"\" for empty) or remove the key to use the default",
                        line: node.mark?.line)
                return nil
            }
            return scalar.string
        }
    }
}

extension ValueConverter {
    /// One of an enum's raw values, case-insensitively.
    static func choice(_ type: T.Type) -> ValueConverter<T> where T: CaseIterable & RawRepresentable & SendableMetatype, T.RawValue == String {
        ValueConverter { node, key, log in
            guard let text = ValueConverter<String>.string.convert(node, key, log) else { return nil }
            guard let value = T(rawValue: text.lowercased()) else {
                log.add(.notAllowed, key, "\"\(text)\" is not allowed; use \(choices(T.self))", line: node.mark?.line)
                return nil
            }
            return value
        }
    }
}

/// The text of an unquoted, non-null scalar; logs why not otherwise.
private func plainScalar(_ node: Node, _ key: String, _ log: ProblemLog, expected: String) -> String? {
    guard case .scalar(let scalar) = node else {
        log.add(.wrongType, key, "expected \(expected), got \(node.kindDescription)", line: node.mark?.line)
        return nil
    }
    if node.isNull {
        log.add(.missingValue, key, "has no value; give \(expected) or remove the key to use the default", line: node.mark?.line)
        return nil
    }
    if scalar.style != .plain {
        log.add(.wrongType, key, "expected \(expected), got the string \"\(redacted(url: scalar.string))\"; remove the quotes",
                line: node.mark?.line)
        return nil
    }
    return scalar.string
}

private func quotedIfText(_ text: String) -> String {
    text.first.map { $0.isNumber || $0 == "-" || $0 == "+" || $0 == "." } == true ? text : "\"\(redacted(url: text))\""
}

extension Node {
    /// An unquoted `~`, `null` or nothing.
    var isNull: Bool {
        guard case .scalar(let scalar) = self, scalar.style == .plain || scalar.style == .any else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    var kindDescription: String {
        switch self {
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        case .scalar(let scalar): isNull ? "nothing" : "\"\(redacted(url: scalar.string))\""
        }
    }
}
