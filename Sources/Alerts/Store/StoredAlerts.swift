import DeviceRegistry
import Foundation
import GatewayConfig

/// An unresolved threshold alert as stored: what rebuilds the engine after a restart.
public struct StoredThresholdAlert: Sendable, Equatable {
    public var id: String
    public var deviceID: PackedUUID
    /// Serial number, else MAC as stored, else id: where `alerts/{device}` goes.
    public var publishKey: String
    /// The rule as it was when raised (`threshold_config`); nil when the JSON is no longer a valid rule.
    public var rule: AlertRule?
    public var ruleName: String
    public var severity: String
    public var title: String
    public var open: ThresholdRuleMachine.Open

    public init(id: String, deviceID: PackedUUID, publishKey: String, rule: AlertRule?, ruleName: String, severity: String, title: String,
                open: ThresholdRuleMachine.Open) {
        self.id = id
        self.deviceID = deviceID
        self.publishKey = publishKey
        self.rule = rule
        self.ruleName = ruleName
        self.severity = severity
        self.title = title
        self.open = open
    }
}

/// Any alert (threshold or `device_offline`) as an operator action needs it: who may act, and what to publish.
public struct AlertTarget: Sendable, Equatable {
    public var id: String
    public var alertType: String
    public var deviceID: UUID?
    /// `devices.user_id`: the owner may handle the device's alerts.
    public var ownerID: UUID?
    public var publishKey: String?
    public var severity: String
    public var title: String
    public var escalationLevel: Int
    public var currentValue: Double?
    public var acknowledged: Bool
    public var resolved: Bool

    public init(id: String, alertType: String, deviceID: UUID?, ownerID: UUID?, publishKey: String?, severity: String, title: String,
                escalationLevel: Int, currentValue: Double?, acknowledged: Bool, resolved: Bool) {
        self.id = id
        self.alertType = alertType
        self.deviceID = deviceID
        self.ownerID = ownerID
        self.publishKey = publishKey
        self.severity = severity
        self.title = title
        self.escalationLevel = escalationLevel
        self.currentValue = currentValue
        self.acknowledged = acknowledged
        self.resolved = resolved
    }
}

/// What `alerts/{device}` carries for one alert event (CONTRACT §3).
public struct AlertNotice: Sendable, Equatable {
    public enum Event: String, Sendable {
        case raised
        case escalated
        case acknowledged
        case resolved
    }

    public var event: Event
    public var alertID: String
    /// The `{device}` to publish to.
    public var deviceKey: String
    public var alertType: String
    public var severity: String
    public var escalationLevel: Int
    public var title: String
    public var currentValue: Double?

    public init(event: Event, alertID: String, deviceKey: String, alertType: String = "threshold", severity: String,
                escalationLevel: Int, title: String, currentValue: Double?) {
        self.event = event
        self.alertID = alertID
        self.deviceKey = deviceKey
        self.alertType = alertType
        self.severity = severity
        self.escalationLevel = escalationLevel
        self.title = title
        self.currentValue = currentValue
    }
}
