import GatewayConfig
import WallTime

/// A `device_offline` alert that was raised or resolved in the database: what `alerts/{device}` needs.
///
/// Produced only from rows the database returned, so a notice is published for an alert that
/// exists (never for a raise that found one already open, e.g. after a restart).
public struct PresenceAlertNotice: Sendable, Equatable {
    public enum Event: String, Sendable {
        case raised
        case resolved
    }

    public var event: Event
    public var alertID: String
    public var deviceID: PresenceDeviceID
    /// Always `device_offline`.
    public var alertType: String
    public var severity: String
    public var escalationLevel: Int
    public var title: String

    public init(
        event: Event, alertID: String, deviceID: PresenceDeviceID, alertType: String = "device_offline",
        severity: String, escalationLevel: Int, title: String
    ) {
        self.event = event
        self.alertID = alertID
        self.deviceID = deviceID
        self.alertType = alertType
        self.severity = severity
        self.escalationLevel = escalationLevel
        self.title = title
    }
}

/// A pending `device_offline` alert change, in the order the machine asked for it.
public struct OfflineAlertChange: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case raise(reason: OfflineReason, offlineAfterSeconds: Int)
        case resolve
    }

    public var deviceID: PresenceDeviceID
    public var kind: Kind
    public var at: WallInstant

    public init(deviceID: PresenceDeviceID, kind: Kind, at: WallInstant) {
        self.deviceID = deviceID
        self.kind = kind
        self.at = at
    }
}
