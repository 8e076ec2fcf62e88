/// An inbound MQTT topic, classified, with its variable parts.
///
/// The parts are `Substring`s of the topic: no copy, no allocation (they share the topic's
/// storage), and they keep the `String` API the lookups and logs need. Byte ranges would be
/// as cheap but would make every caller re-slice; `String(part)` is free for keys of up to
/// 15 UTF-8 bytes (small-string form) when an owned `String` is needed.
/// An empty segment or any other shape is `.unknown`, never a guess.
public enum DeviceTopic: Hashable, Sendable {
    case telemetry(device: Substring)
    case sensor(device: Substring, sensor: Substring)
    case heartbeat(device: Substring)
    case status(device: Substring)
    case commandAck(device: Substring, commandID: Substring)
    case commandResult(device: Substring, commandID: Substring)
    case operatorCommands(operator: Substring)
    case alertAck(operator: Substring, alertID: Substring)
    case alertResolve(operator: Substring, alertID: Substring)
    /// Readings in another device convention's own form (ESPHome's state topics, Tasmota's `SENSOR`),
    /// decoded by that convention; `item` is the sensor part of the topic (ESPHome's object id), or
    /// empty when the payload names its sensors.
    case conventionReadings(device: Substring, item: Substring, convention: DeviceConventionID)
    /// A heartbeat in another convention's own form (Tasmota's `STATE`), decoded by that convention.
    case conventionHeartbeat(device: Substring, convention: DeviceConventionID)
    case unknown

    /// Classifies `topic` (contract §3 "Devices publish" and "Operators publish"): the native
    /// convention only; ``DeviceConventions/Enabled`` classifies with every convention that is on.
    public init(parsing topic: String) {
        self = DeviceTopic.parse(topic[...])
    }

    /// Classifies a topic slice (e.g. one with a `$share/…/` prefix already removed).
    public init(parsing topic: Substring) {
        self = DeviceTopic.parse(topic)
    }

    static func parse(_ topic: Substring) -> DeviceTopic {
        guard let levels = TopicLevels(topic) else { return .unknown }
        return parse(levels)
    }

    /// The native device topics and the operators' topics.
    static func parse(_ levels: TopicLevels) -> DeviceTopic {
        let count = levels.count
        let parts = (levels[0], levels[1], levels[2], levels[3], levels[4])
        switch (parts.0, count) {
        case ("devices", 3):
            switch parts.2 {
            case "telemetry": return .telemetry(device: parts.1)
            case "heartbeat": return .heartbeat(device: parts.1)
            case "status": return .status(device: parts.1)
            default: return .unknown
            }
        case ("devices", 4) where parts.2 == "sensors":
            return .sensor(device: parts.1, sensor: parts.3)
        case ("devices", 5) where parts.2 == "commands":
            switch parts.4 {
            case "ack": return .commandAck(device: parts.1, commandID: parts.3)
            case "result": return .commandResult(device: parts.1, commandID: parts.3)
            default: return .unknown
            }
        case ("operators", 3) where parts.2 == "commands":
            return .operatorCommands(operator: parts.1)
        case ("operators", 5) where parts.2 == "alerts":
            switch parts.4 {
            case "ack": return .alertAck(operator: parts.1, alertID: parts.3)
            case "resolve": return .alertResolve(operator: parts.1, alertID: parts.3)
            default: return .unknown
            }
        default:
            return .unknown
        }
    }

    /// The device key for device topics, nil for operator and unknown topics.
    public var device: Substring? {
        switch self {
        case .telemetry(let d), .heartbeat(let d), .status(let d), .sensor(let d, _),
             .commandAck(let d, _), .commandResult(let d, _),
             .conventionReadings(let d, _, _), .conventionHeartbeat(let d, _):
            return d
        default:
            return nil
        }
    }
}
