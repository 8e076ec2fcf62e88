import Telemetry

/// The topic filters the gateway subscribes to (CONTRACT §3 and §7), before any `$share/<group>/` prefix.
///
/// Exact filters rather than `devices/#`: the gateway publishes on `devices/{d}/commands/{id}`
/// and `operators/{o}/responses` itself and must not receive its own messages back. The devices'
/// filters come from the device conventions that are on (`ingest.conventions`); the operators'
/// are always subscribed.
public enum SubscriptionTopics {
    public static let operators = [
        "operators/+/commands",
        "operators/+/alerts/+/ack",
        "operators/+/alerts/+/resolve",
    ]

    /// Every filter with whether every instance subscribes to it directly, even in a shared group:
    /// a device's status, will and heartbeats switch its presence at once, so every instance's
    /// presence tracker must see them (the rest of its messages reach the others through
    /// `devices.last_seen`).
    public static func all(conventions: DeviceConventions.Enabled) -> [ConventionSubscription] {
        conventions.subscriptions + operators.map { ConventionSubscription($0) }
    }
}
