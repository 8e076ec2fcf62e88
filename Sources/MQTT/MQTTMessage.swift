/// An incoming message as libmosquitto holds it: borrowed, valid only during the handler call.
///
/// This is the zero-copy hot path: `topic` and `payload` point into libmosquitto's buffers,
/// which are freed when the handler returns. The type is `~Copyable` and handed over
/// `borrowing`, so it cannot be stored; do not keep the buffer pointers either. Call `copy()`
/// for an owned `MQTTMessage`.
///
/// At-least-once: for a QoS 1 message the PUBACK is written by the loop thread only after the
/// handler returns (libmosquitto queues it before the callback, but under `loop_start` the
/// socket write happens on the same thread, after the callback). A handler that makes the
/// message durable before returning therefore loses nothing if the process dies: the broker
/// redelivers what was not acknowledged (with a persistent session).
public struct MQTTMessageView: ~Copyable {
    /// The topic's UTF-8 bytes, without a terminating NUL.
    public let topic: UnsafeRawBufferPointer
    public let payload: UnsafeRawBufferPointer
    public let qos: MQTTQoS
    public let retain: Bool
    /// The packet identifier (0 for QoS 0).
    public let messageID: Int32

    public init(topic: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer, qos: MQTTQoS, retain: Bool, messageID: Int32) {
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retain = retain
        self.messageID = messageID
    }

    /// The topic as a `String` (a copy).
    public var topicString: String { String(decoding: topic, as: UTF8.self) }

    /// An owned copy that outlives the handler call.
    public func copy() -> MQTTMessage {
        MQTTMessage(topic: topicString, payload: Array(payload), qos: qos, retain: retain, messageID: messageID)
    }
}

/// An incoming message copied out of libmosquitto's buffers; safe to keep and send across threads.
public struct MQTTMessage: Sendable, Equatable {
    public var topic: String
    public var payload: [UInt8]
    public var qos: MQTTQoS
    public var retain: Bool
    public var messageID: Int32

    public init(topic: String, payload: [UInt8], qos: MQTTQoS = .atMostOnce, retain: Bool = false, messageID: Int32 = 0) {
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retain = retain
        self.messageID = messageID
    }

    /// The payload decoded as UTF-8 (invalid bytes replaced).
    public var payloadString: String { String(decoding: payload, as: UTF8.self) }
}

/// A message to publish later, e.g. the status a client sends as it stops.
public struct MQTTOutgoingMessage: Sendable, Equatable {
    public var topic: String
    public var payload: [UInt8]
    public var qos: MQTTQoS
    public var retain: Bool

    public init(topic: String, payload: [UInt8], qos: MQTTQoS = .atLeastOnce, retain: Bool = false) {
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retain = retain
    }

    public init(topic: String, payload: String, qos: MQTTQoS = .atLeastOnce, retain: Bool = false) {
        self.init(topic: topic, payload: Array(payload.utf8), qos: qos, retain: retain)
    }
}
