/// The gateway's own topics (contract §3): `devices/{device}/telemetry` (JSON forms A, B, C),
/// `devices/{device}/sensors/{sensor}` (bare values), `…/heartbeat`, `…/status` and the command
/// acknowledgements. Decoded by ``TelemetryDecoder``, ``TelemetryDecoder/decodeSensorValue(_:sensor:receivedAtMicros:into:)``
/// and ``HeartbeatPayload``; see `native.yaml` beside this file.
public struct NativeConvention: DeviceConvention {
    public init() {}

    public var name: String { "native" }

    public var subscriptions: [ConventionSubscription] {
        [
            ConventionSubscription("devices/+/telemetry"),
            ConventionSubscription("devices/+/sensors/+"),
            ConventionSubscription("devices/+/heartbeat", everyInstance: true),
            ConventionSubscription("devices/+/status", everyInstance: true),
            ConventionSubscription("devices/+/commands/+/ack"),
            ConventionSubscription("devices/+/commands/+/result"),
        ]
    }

    public func classify(_ levels: TopicLevels, as id: DeviceConventionID) -> DeviceTopic? {
        guard levels[0] == "devices" else { return nil }
        let topic = DeviceTopic.parse(levels)
        return topic == .unknown ? nil : topic
    }
}
