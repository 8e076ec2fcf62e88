import MQTT
import Synchronization

/// The live MQTT client, for components that publish (status, commands, alerts, responses).
///
/// Empty before the broker connection is made and after it has stopped; publishing then is the
/// caller's decision (retry later, or rely on the database state that is re-published).
public final class PublisherSlot: Sendable {
    private let slot = Mutex<MQTTClient?>(nil)
    public init() {}
    public var client: MQTTClient? { slot.withLock { $0 } }
    func set(_ client: MQTTClient?) { slot.withLock { $0 = client } }
}

/// The workers' way out to the broker (they know nothing of MQTT).
extension PublisherSlot {
    /// Publishes at QoS 1: false when no client is connected (nothing sent); throws when libmosquitto refused it.
    @Sendable func publish(_ topic: String, _ payload: String) throws -> Bool {
        guard let client, client.isConnected else { return false }
        _ = try client.publish(topic: topic, payload: payload, qos: .atLeastOnce)
        return true
    }

    @Sendable func isBrokerConnected() -> Bool { client?.isConnected == true }
}
