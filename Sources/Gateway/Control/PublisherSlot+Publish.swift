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
