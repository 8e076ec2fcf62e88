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
