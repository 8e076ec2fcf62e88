import ConnectionURL
import Yams

/// One YAML key, declared once: from it the reader, the checks, the `check-config` printout and
/// the reference documentation (`Config/gateway.yaml`) are all derived.
///
/// A key is bound to a field of ``GatewayConfiguration`` by key path; the field's initializer
/// default is the key's default, so code-built and YAML-read configurations cannot disagree.
struct ConfigKey: Sendable {
    /// Dotted YAML path, e.g. `ingest.batch_size`; the parent path is its section.
    let name: String
    /// What the key does, for the reference documentation (wrapped there; allowed values and
    /// default are appended from the declaration).
    let doc: String
    /// The allowed values in words ("1...100000", "reject or register"); nil when any value of the type is.
    let allowed: String?
    /// Sets the field from a YAML value, logging type problems under `name`.
    let read: @Sendable (inout GatewayConfiguration, Node, ProblemLog) -> Void
    /// The field as YAML, with any password masked.
    let render: @Sendable (GatewayConfiguration) -> RenderedValue
    /// Every problem of the field's value (ranges, allowed values, cross-key rules reported under this key).
    let check: @Sendable (GatewayConfiguration) -> [ConfigurationProblem]

    /// The last path component, as written in the YAML mapping.
    var leaf: String { String(name.split(separator: ".").last!) }

    /// The dotted path of the mapping the key lives in (`mqtt.tls` for `mqtt.tls.ca_file`).
    var section: String { name.split(separator: ".").dropLast().joined(separator: ".") }
}

/// A value as YAML text: one scalar after the key, or lines below it (a list of rules).
enum RenderedValue: Equatable {
    case inline(String)
    /// Lines indented relative to the key's own indentation.
    case block([String])
}

/// An extra check for a key, beyond its type's: a problem reported under the key, or nil.
typealias KeyRule = @Sendable (GatewayConfiguration) -> (ConfigurationProblem.Code, String)?

/// The first problem `rules` find, in order.
func firstProblem(_ rules: KeyRule...) -> KeyRule {
    { configuration in
        for rule in rules { if let problem = rule(configuration) { return problem } }
        return nil
    }
}

extension ConfigKey {
    typealias Field<Value> = WritableKeyPath<GatewayConfiguration, Value> & Sendable

    private init<Value>(
        _ name: String, _ field: Field<Value>, doc: String, allowed: String?,
        convert: ValueConverter<Value>, render: @escaping @Sendable (Value) -> String,
        check: @escaping @Sendable (Value) -> (ConfigurationProblem.Code, String)?, rule: KeyRule?
    ) {
        self.init(
            name: name, doc: doc, allowed: allowed,
            read: { configuration, node, log in
                if let value = convert.convert(node, name, log) { configuration[keyPath: field] = value }
            },
            render: { .inline(render($0[keyPath: field])) },
            check: { configuration in
                let own = check(configuration[keyPath: field]).map { [$0] } ?? rule.flatMap { $0(configuration) }.map { [$0] } ?? []
                return own.map { ConfigurationProblem(code: $0.0, key: name, message: $0.1) }
            })
    }

    /// A whole number within `range`.
    static func integer(
        _ name: String, _ field: Field<Int>, _ range: ClosedRange<Int>, _ doc: String, rule: KeyRule? = nil
    ) -> ConfigKey {
        ConfigKey(
            name, field, doc: doc, allowed: "\(range.lowerBound)...\(range.upperBound)", convert: .integer,
            render: { String($0) },
            check: { value in
                range.contains(value) ? nil
                    : (.outOfRange, "\(value) is out of range; use \(range.lowerBound)...\(range.upperBound)")
            },
            rule: rule)
    }

    /// A whole number from a short list (`qos`: 0, 1 or 2).
    static func integer(_ name: String, _ field: Field<Int>, oneOf values: [Int], _ doc: String) -> ConfigKey {
        let words = list(values.map(String.init))
        return ConfigKey(
            name, field, doc: doc, allowed: words, convert: .integer, render: { String($0) },
            check: { value in values.contains(value) ? nil : (.notAllowed, "\(value) is not allowed; use \(words)") },
            rule: nil)
    }

    /// One of an enum's raw values (read case-insensitively).
    static func choice<Value: CaseIterable & RawRepresentable & Sendable>(
        _ name: String, _ field: Field<Value>, _ doc: String
    ) -> ConfigKey where Value.RawValue == String {
        ConfigKey(
            name, field, doc: doc, allowed: choices(Value.self), convert: .choice(Value.self), render: \.rawValue,
            check: { _ in nil }, rule: nil)
    }

    /// Free text; `secret` URLs are printed with their password masked.
    static func text(
        _ name: String, _ field: Field<String>, _ doc: String, secret: Bool = false, rule: KeyRule? = nil
    ) -> ConfigKey {
        ConfigKey(
            name, field, doc: doc, allowed: nil, convert: .string,
            render: { secret ? quoted(redacted(url: $0)) : quoted($0) }, check: { _ in nil }, rule: rule)
    }

    /// A file or directory path: not empty, no NUL.
    static func path(_ name: String, _ field: Field<String>, _ doc: String) -> ConfigKey {
        ConfigKey(
            name, field, doc: doc, allowed: nil, convert: .string, render: quoted, check: pathProblem, rule: nil)
    }

    /// An optional path: `null` (the default) leaves it unset.
    static func optionalPath(_ name: String, _ field: Field<String?>, _ doc: String, rule: KeyRule? = nil) -> ConfigKey {
        ConfigKey(
            name: name, doc: doc, allowed: nil,
            read: { configuration, node, log in
                if node.isNull {
                    configuration[keyPath: field] = nil
                } else if let value = ValueConverter<String>.string.convert(node, name, log) {
                    configuration[keyPath: field] = value
                }
            },
            render: { .inline($0[keyPath: field].map(quoted) ?? "null") },
            check: { configuration in
                let own = configuration[keyPath: field].flatMap(pathProblem).map { [$0] } ?? rule.flatMap { $0(configuration) }.map { [$0] } ?? []
                return own.map { ConfigurationProblem(code: $0.0, key: name, message: $0.1) }
            })
    }

    /// true or false.
    static func boolean(_ name: String, _ field: Field<Bool>, _ doc: String, rule: KeyRule? = nil) -> ConfigKey {
        ConfigKey(
            name, field, doc: doc, allowed: "true or false", convert: .boolean, render: { String($0) },
            check: { _ in nil }, rule: rule)
    }
}

private func pathProblem(_ value: String) -> (ConfigurationProblem.Code, String)? {
    if value.isEmpty { return (.notAllowed, "is empty; give a path") }
    if value.contains("\u{0}") { return (.notAllowed, "contains a NUL character; give a plain path") }
    return nil
}
