/// MQTT quality of service; the raw value is what libmosquitto and the wire use.
public enum MQTTQoS: Int32, Sendable, Equatable, Comparable {
    case atMostOnce = 0
    case atLeastOnce = 1
    case exactlyOnce = 2

    public static func < (lhs: MQTTQoS, rhs: MQTTQoS) -> Bool { lhs.rawValue < rhs.rawValue }
}
