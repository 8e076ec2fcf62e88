/// Severity of an alert; the raw values are the ones `alerts.severity` accepts.
public enum AlertSeverity: String, Sendable, Equatable, CaseIterable, Codable {
    case low
    case medium
    case high
    case critical

    /// The `notifications.priority` for this severity (contract: low→low, medium→normal, high→high, critical→urgent).
    public var notificationPriority: String {
        switch self {
        case .low: "low"
        case .medium: "normal"
        case .high: "high"
        case .critical: "urgent"
        }
    }
}

/// Threshold alerting (`alerts:` in the YAML).
public struct AlertSettings: Sendable, Equatable {
    /// An unacknowledged alert escalates once per this interval.
    public var escalateAfterSeconds: Int
    /// Escalation stops at this level (alerts start at level 1).
    public var maxEscalationLevel: Int
    /// Rules for every device; a device's own `configuration.alert_rules` may replace (same name) or add rules.
    public var rules: [AlertRule]

    public init(escalateAfterSeconds: Int = 900, maxEscalationLevel: Int = 3, rules: [AlertRule] = []) {
        self.escalateAfterSeconds = escalateAfterSeconds
        self.maxEscalationLevel = maxEscalationLevel
        self.rules = rules
    }
}
