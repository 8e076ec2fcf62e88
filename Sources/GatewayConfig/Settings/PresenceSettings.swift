/// Online/offline tracking of devices (`presence:` in the YAML).
public struct PresenceSettings: Sendable, Equatable {
    /// No message for this long marks a device offline.
    public var offlineAfterSeconds: Int
    /// How often silent devices are looked for; bounds how late an offline is noticed.
    public var sweepIntervalMilliseconds: Int
    /// Severity of the `device_offline` alert.
    public var offlineAlertSeverity: AlertSeverity

    public init(
        offlineAfterSeconds: Int = 90,
        sweepIntervalMilliseconds: Int = 1000,
        offlineAlertSeverity: AlertSeverity = .medium
    ) {
        self.offlineAfterSeconds = offlineAfterSeconds
        self.sweepIntervalMilliseconds = sweepIntervalMilliseconds
        self.offlineAlertSeverity = offlineAlertSeverity
    }
}
