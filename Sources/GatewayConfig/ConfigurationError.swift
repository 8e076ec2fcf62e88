/// One thing wrong with a configuration, tied to the key that must change.
///
/// `message` always names the allowed values or the fix, and never contains a password:
/// URLs are echoed through ``redacted(url:)``.
public struct ConfigurationProblem: Sendable, Equatable, CustomStringConvertible {
    /// What kind of problem this is, for callers that react differently (e.g. a missing file).
    public enum Code: String, Sendable, Equatable {
        case fileNotFound
        case fileUnreadable
        case syntax
        case unknownKey
        case wrongType
        case missingValue
        case notAllowed
        case outOfRange
        case invalidURL
        case invalidRule
        case conflict
    }

    public var code: Code
    /// Dotted path such as `alerts.rules[1].severity`; empty for whole-file problems.
    public var key: String
    public var message: String
    /// 1-based line in the YAML file, when the problem came from one.
    public var line: Int?

    public init(code: Code, key: String, message: String, line: Int? = nil) {
        self.code = code
        self.key = key
        self.message = message
        self.line = line
    }

    /// `key: message (line N)`: one line, ready for a terminal or a log.
    public var description: String {
        var text = key.isEmpty ? message : "\(key): \(message)"
        if let line { text += " (line \(line))" }
        return text
    }
}

/// Everything wrong with a configuration at once, so a user fixes all of it in one pass.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Never empty when thrown.
    public var problems: [ConfigurationProblem]

    public init(problems: [ConfigurationProblem]) {
        self.problems = problems
    }

    public init(_ problem: ConfigurationProblem) {
        self.problems = [problem]
    }

    /// One line per problem, in file order where known.
    public var description: String {
        problems.map(\.description).joined(separator: "\n")
    }
}
