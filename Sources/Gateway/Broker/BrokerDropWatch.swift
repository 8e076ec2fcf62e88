import Logging
import MQTT
import Metrics
import Synchronization

/// Warns when the broker drops messages, the one loss the gateway cannot prevent.
///
/// mosquitto silently discards QoS 1 messages beyond a client's `max_queued_messages` /
/// `max_queued_bytes` (1,000 by default); they never reach the gateway, so nothing downstream
/// can notice. The broker does count them, in `$SYS/broker/publish/messages/dropped` (all
/// clients, since it started): the gateway subscribes to it and logs every increase.
final class BrokerDropWatch: Sendable {
    static let topic = "$SYS/broker/publish/messages/dropped"

    private let last = Mutex<Int?>(nil)
    private let gauge = Gauge(label: "mash_broker_messages_dropped")
    private let logger: Logger

    init(logger: Logger) { self.logger = logger }

    /// Handles the message if it is the counter; false for anything else.
    func handle(_ message: borrowing MQTTMessageView) -> Bool {
        guard message.topic.count == Self.topicBytes.count, message.topic.elementsEqual(Self.topicBytes) else { return false }
        guard let count = Int(String(decoding: message.payload, as: UTF8.self)) else { return true }
        gauge.record(count)
        let previous = last.withLock { value -> Int? in
            defer { value = count }
            return value
        }
        switch previous {
        case nil where count > 0:
            logger.warning("the broker has dropped messages since it started (raise max_queued_messages; see Config/mosquitto.conf)",
                           metadata: ["broker_dropped_total": "\(count)"])
        case let previous? where count > previous:
            logger.error("the broker dropped messages: they never reached the gateway (raise max_queued_messages / max_queued_bytes; see Config/mosquitto.conf)",
                         metadata: ["dropped": "\(count - previous)", "broker_dropped_total": "\(count)"])
        default:
            break
        }
        return true
    }

    private static let topicBytes = Array(topic.utf8)
}
