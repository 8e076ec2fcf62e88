/// One MQTT message the gateway owes the broker: written to `gateway_outbox` with the state change
/// that causes it, published later at QoS 1 by `OutboxPublisher`.
public struct OutboxMessage: Sendable, Equatable {
    public var topic: String
    public var payload: String
    public var retain: Bool

    public init(topic: String, payload: String, retain: Bool = false) {
        self.topic = topic
        self.payload = payload
        self.retain = retain
    }
}

/// An unpublished row of `gateway_outbox`, in publishing order (`id`).
public struct OutboxEntry: Sendable, Equatable {
    public var id: Int64
    public var message: OutboxMessage

    public init(id: Int64, message: OutboxMessage) {
        self.id = id
        self.message = message
    }
}
