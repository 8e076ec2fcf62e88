import Foundation

/// A threshold rule: raise an alert when `sensor` goes above `above` or below `below` for `forSeconds`.
///
/// Every `AlertRule` that exists is valid: the only initializers validate (at least one bound,
/// `above > below`, non-negative hysteresis, a band left to resolve into). The same rules apply to
/// rules from `alerts.rules` in the YAML, from `devices.configuration.alert_rules` and from
/// `alerts.threshold_config` (JSON, see `AlertRule+Codable.swift`).
public struct AlertRule: Sendable, Equatable {
    /// Unique among the rules that apply to one device; a device rule with the same name replaces it.
    public let name: String
    /// A `sensor_types.name`, compared case-insensitively.
    public let sensor: String
    /// Fires when a value is strictly greater.
    public let above: Double?
    /// Fires when a value is strictly lower.
    public let below: Double?
    /// With `autoResolve`, the value must come back inside the bound by this much to resolve.
    public let hysteresis: Double
    /// The condition must hold this long before the alert is raised; 0 raises on the first reading.
    public let forSeconds: Double
    public let severity: AlertSeverity
    public let autoResolve: Bool

    /// Validates and builds a rule; problems are keyed by the field names (`above`, `severity`, …).
    public init(
        name: String,
        sensor: String,
        above: Double? = nil,
        below: Double? = nil,
        hysteresis: Double = 0,
        forSeconds: Double = 0,
        severity: AlertSeverity = .medium,
        autoResolve: Bool = true
    ) throws(ConfigurationError) {
        var draft = AlertRuleDraft()
        draft.name = name
        draft.sensor = sensor
        draft.above = above
        draft.below = below
        draft.hysteresis = hysteresis
        draft.forSeconds = forSeconds
        draft.severity = severity
        draft.autoResolve = autoResolve
        self = try draft.build(path: "").get()
    }

    /// Only for `AlertRuleDraft.build`, after validation.
    fileprivate init(unchecked draft: AlertRuleDraft, name: String, sensor: String) {
        self.name = name
        self.sensor = sensor
        self.above = draft.above
        self.below = draft.below
        self.hysteresis = draft.hysteresis
        self.forSeconds = draft.forSeconds
        self.severity = draft.severity
        self.autoResolve = draft.autoResolve
    }

    /// The longest `name` and `sensor` accepted (`sensor_types.name` is VARCHAR(100)).
    public static let maxNameLength = 100

    /// The rules for one device: `configured` with same-named `device` rules replacing them in place,
    /// then the device's new names appended in their order.
    public static func merged(configured: [AlertRule], device: [AlertRule]) -> [AlertRule] {
        var byName: [String: AlertRule] = [:]
        for rule in device where byName[rule.name] == nil { byName[rule.name] = rule }
        var result = configured.map { byName.removeValue(forKey: $0.name) ?? $0 }
        result += device.filter { byName.removeValue(forKey: $0.name) != nil }
        return result
    }
}

/// A rule's fields as read from some source, before validation.
///
/// Fields that had a type problem are listed in `invalidFields`, so validation does not pile a
/// second, confusing problem on top (e.g. "needs above or below" after `above: "x"`).
struct AlertRuleDraft {
    var name: String?
    var sensor: String?
    var above: Double?
    var below: Double?
    var hysteresis: Double = 0
    var forSeconds: Double = 0
    var severity: AlertSeverity = .medium
    var autoResolve = true
    var invalidFields: Set<String> = []
    /// Type problems found while reading; reported together with the semantic ones.
    var readProblems: [ConfigurationProblem] = []

    static let fieldNames = ["name", "sensor", "above", "below", "hysteresis", "for_s", "severity", "auto_resolve"]

    func build(path: String) -> Result<AlertRule, ConfigurationError> {
        var problems = readProblems
        func key(_ field: String) -> String { path.isEmpty ? field : "\(path).\(field)" }
        func add(_ code: ConfigurationProblem.Code, _ field: String, _ message: String) {
            problems.append(ConfigurationProblem(code: code, key: key(field), message: message))
        }
        func checkText(_ value: String?, _ field: String, _ what: String) {
            guard !invalidFields.contains(field) else { return }
            guard let value else { return add(.missingValue, field, "is required: the \(what)") }
            if value.trimmingCharacters(in: .whitespaces).isEmpty {
                add(.invalidRule, field, "is empty; give the \(what)")
            } else if value.count > AlertRule.maxNameLength {
                add(.outOfRange, field, "is \(value.count) characters long; use at most \(AlertRule.maxNameLength)")
            }
        }
        checkText(name, "name", "rule's unique name")
        checkText(sensor, "sensor", "sensor type name, e.g. temperature")
        for (field, value) in [("above", above), ("below", below)] {
            if let value, !value.isFinite { add(.outOfRange, field, "must be a finite number") }
        }
        if above == nil, below == nil, !invalidFields.contains("above"), !invalidFields.contains("below") {
            add(.invalidRule, "above", "a rule needs above, below or both; add above: N (fires when the value is higher) or below: N")
        }
        if let above, let below, above.isFinite, below.isFinite {
            if above <= below {
                add(.invalidRule, "above",
                    "\(format(above)) must be greater than below (\(format(below))); a rule fires outside [below, above]")
            } else if hysteresis.isFinite, hysteresis >= 0, above - hysteresis < below + hysteresis {
                add(.invalidRule, "hysteresis",
                    "\(format(hysteresis)) leaves no value inside both bounds, so the alert could never resolve; use at most \(format((above - below) / 2))")
            }
        }
        if !hysteresis.isFinite || hysteresis < 0 {
            add(.outOfRange, "hysteresis", "\(format(hysteresis)) is not allowed; use 0 or a positive number")
        }
        if !forSeconds.isFinite || forSeconds < 0 || forSeconds > 31_536_000 {
            add(.outOfRange, "for_s", "\(format(forSeconds)) is out of range; use 0...31536000 seconds")
        }
        guard problems.isEmpty, let name, let sensor else { return .failure(ConfigurationError(problems: problems)) }
        return .success(AlertRule(unchecked: self, name: name, sensor: sensor))
    }
}

/// `80` rather than `80.0` for whole numbers, so messages read like the YAML the user wrote.
func format(_ value: Double) -> String {
    if value.isFinite, value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
    return String(value)
}
