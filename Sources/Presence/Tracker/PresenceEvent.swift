import WallTime

/// What the MQTT intake saw from a device, as presence needs it.
public enum PresenceEvent: Sendable, Equatable {
    /// Telemetry, a sensor value, a command ack or result: any message from the device.
    case message
    /// `devices/{d}/heartbeat`; `firmware` from its payload when present.
    case heartbeat(firmware: String?)
    /// `online` on `devices/{d}/status`; `retained` is the MQTT retain flag of the delivery.
    case statusOnline(retained: Bool)
    /// `offline` on `devices/{d}/status` (usually the will); `retained` as above.
    case statusOffline(retained: Bool)
}

/// A device changed status (for logs, metrics, and whoever waits for devices to come online, e.g. commands).
public struct PresenceTransition: Sendable, Equatable {
    public var deviceID: PresenceDeviceID
    public var status: PresenceStatus
    public var at: WallInstant
    /// Why it went offline; nil when it came online.
    public var reason: OfflineReason?

    public init(deviceID: PresenceDeviceID, status: PresenceStatus, at: WallInstant, reason: OfflineReason? = nil) {
        self.deviceID = deviceID
        self.status = status
        self.at = at
        self.reason = reason
    }
}

/// What one flush did.
public struct PresenceFlushResult: Sendable, Equatable {
    /// Device rows sent in the write statement (changed devices plus the periodic refresh).
    public var rowsWritten: Int
    /// Statements sent (BEGIN/COMMIT not counted): 0 when nothing changed, 1 for devices, +1 per kind of alert change.
    public var statements: Int
    /// Alerts raised or resolved, to publish on `alerts/{device}`.
    public var alerts: [PresenceAlertNotice]
    /// Transitions found by the sweep that the flush runs first.
    public var transitions: [PresenceTransition]

    public init(rowsWritten: Int = 0, statements: Int = 0, alerts: [PresenceAlertNotice] = [], transitions: [PresenceTransition] = []) {
        self.rowsWritten = rowsWritten
        self.statements = statements
        self.alerts = alerts
        self.transitions = transitions
    }
}
