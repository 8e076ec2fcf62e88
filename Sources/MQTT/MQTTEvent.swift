/// Something that happened to the connection; delivered on the libmosquitto loop thread.
public enum MQTTEvent: Sendable, Equatable {
    /// The broker accepted CONNECT. `sessionPresent` is true when it resumed a stored session
    /// (its subscriptions and the QoS ≥ 1 messages queued while we were away).
    case connected(sessionPresent: Bool)
    /// The broker answered CONNECT with a failure (bad credentials, not authorised, …).
    /// MQTT 3.1.1 clients keep retrying with backoff; libmosquitto 2.0 stops retrying an
    /// MQTT v5 client after a refusal.
    case connectionRefused(MQTTError)
    /// The connection ended. `rc` is a `MOSQ_ERR_*` code (or a v5 reason code from the broker),
    /// 0 after our own DISCONNECT; `unexpected` is false only then. The loop reconnects by
    /// itself after an unexpected disconnect.
    case disconnected(rc: Int32, reason: String, unexpected: Bool)
    /// A SUBACK: one granted QoS per filter (128 = refused by the broker).
    case subscribed(messageID: Int32, grantedQoS: [Int32])
    /// A publish completed: PUBACK received (QoS 1), PUBCOMP (QoS 2), or written (QoS 0).
    case published(messageID: Int32)
}
