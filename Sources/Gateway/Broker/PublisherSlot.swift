import Logging
import MQTT
import Outbox
import Synchronization

/// The live MQTT client, for components that publish (status, commands, alerts, responses).
///
/// Empty before the broker connection is made and after it has stopped; publishing then is the
/// caller's decision (retry later, or rely on the database state that is re-published).
public final class PublisherSlot: Sendable {
    private let slot = Mutex<MQTTClient?>(nil)
    /// The broker's PUBACKs for this client's publishes (the outbox marks an entry published on its ack).
    public let acks = PublishAcks()
    public init() {}
    public var client: MQTTClient? { slot.withLock { $0 } }
    func set(_ client: MQTTClient?) { slot.withLock { $0 = client } }
}

/// The workers' way out to the broker (they know nothing of MQTT).
extension PublisherSlot {
    /// Publishes at QoS 1 and says why when it could not (what it was about is stored either way):
    /// false when no client is connected or libmosquitto refused the message.
    func publisher(logger: Logger) -> @Sendable (_ topic: String, _ payload: String) -> Bool {
        { [self] topic, payload in
            guard let client, client.isConnected else {
                logger.warning("not published: not connected to the broker", metadata: ["topic": "\(topic)"])
                return false
            }
            do {
                _ = try client.publish(topic: topic, payload: payload, qos: .atLeastOnce)
                return true
            } catch {
                logger.warning("publish failed", metadata: ["topic": "\(topic)", "error": "\(error)"])
                return false
            }
        }
    }

    /// The outbox publisher's way out: QoS 1, the message id to match with its PUBACK; nil when not
    /// connected or refused (the entry stays in the outbox and is tried again).
    func outboxPublisher(logger: Logger) -> OutboxPublisher.Publish {
        { [self] message in
            guard let client, client.isConnected else { return nil }
            do {
                return try client.publish(topic: message.topic, payload: message.payload, qos: .atLeastOnce, retain: message.retain)
            } catch {
                logger.warning("outbox publish failed", metadata: ["topic": "\(message.topic)", "error": "\(error)"])
                return nil
            }
        }
    }

    @Sendable func isBrokerConnected() -> Bool { client?.isConnected == true }
}
