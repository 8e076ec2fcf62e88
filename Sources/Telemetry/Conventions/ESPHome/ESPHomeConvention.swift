/// ESPHome's MQTT component as it ships (contract §7): every sensor publishes its plain state on
/// `{device}/sensor/{object_id}/state` (`21.50`, `nan` while it has no reading), every binary
/// sensor `ON`/`OFF` on `{device}/binary_sensor/{object_id}/state`, and the node keeps
/// `{device}/status` at `online` (its birth message) and `offline` (its will). `{device}` is the
/// node's topic prefix, its name by default. See `esphome.yaml` beside this file.
public struct ESPHomeConvention: DeviceConvention {
    public init() {}

    public var name: String { "esphome" }

    public var subscriptions: [ConventionSubscription] {
        [
            ConventionSubscription("+/sensor/+/state"),
            ConventionSubscription("+/binary_sensor/+/state"),
            ConventionSubscription("+/status", everyInstance: true),
        ]
    }

    public func classify(_ levels: TopicLevels, as id: DeviceConventionID) -> DeviceTopic? {
        switch levels.count {
        case 2 where levels[1] == "status":
            return .status(device: levels[0])
        case 4 where levels[3] == "state" && (levels[1] == "sensor" || levels[1] == "binary_sensor"):
            return .conventionReadings(device: levels[0], item: levels[2], convention: id)
        default:
            return nil
        }
    }

    /// One reading of sensor `item` (the object id, mapped through the device's `sensor_map`),
    /// stamped with the receive time; `nan` is `malformed_payload` (the sensor has no value to store).
    public func decodeReadings(_ payload: UnsafeRawBufferPointer, item: Substring, context: ReadingContext,
                               into message: inout DecodedMessage) {
        message.removeAll(keepingCapacity: true)
        message.appendBareValue(ESPHomeState.decode(payload), sensor: item, receivedAtMicros: context.receivedAtMicros, mapped: true)
    }
}
