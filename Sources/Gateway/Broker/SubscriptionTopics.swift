/// The topic filters the gateway subscribes to (CONTRACT §3), before any `$share/<group>/` prefix.
///
/// Exact filters rather than `devices/#`: the gateway publishes on `devices/{d}/commands/{id}`
/// and `operators/{o}/responses` itself and must not receive its own messages back.
public enum SubscriptionTopics {
    public static let devices = [
        "devices/+/telemetry",
        "devices/+/sensors/+",
        "devices/+/heartbeat",
        "devices/+/status",
        "devices/+/commands/+/ack",
        "devices/+/commands/+/result",
    ]
    public static let operators = [
        "operators/+/commands",
        "operators/+/alerts/+/ack",
        "operators/+/alerts/+/resolve",
    ]
    public static var all: [String] { devices + operators }

    /// Filters every gateway subscribes to directly, even in a shared group: a device's status and
    /// heartbeats switch its presence at once, so every instance's presence tracker must see them
    /// (the rest of its messages reach the others through `devices.last_seen`).
    public static let everyInstance: Set<String> = ["devices/+/heartbeat", "devices/+/status"]
}
