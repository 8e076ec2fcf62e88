import Metrics
import Synchronization

/// `mash_mqtt_connected` (1 while connected to the broker, else 0) and
/// `mash_mqtt_reconnects_total` (connections made after the first one).
final class BrokerConnectionGauges: Sendable {
    private let connectedGauge = Gauge(label: "mash_mqtt_connected")
    private let reconnects = Counter(label: "mash_mqtt_reconnects_total")
    private let connectedBefore = Atomic<Bool>(false)

    init() {
        connectedGauge.record(0)
        reconnects.increment(by: 0)
    }

    func connected() {
        connectedGauge.record(1)
        if connectedBefore.exchange(true, ordering: .relaxed) { reconnects.increment() }
    }

    func disconnected() { connectedGauge.record(0) }
}
