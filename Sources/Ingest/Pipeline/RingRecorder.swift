import Foundation
import Logging
import MessageRing
import Metrics
import Synchronization
import WallTime

/// Records every incoming MQTT message in the ring before the broker's PUBACK goes out.
///
/// Called on the libmosquitto loop thread with the message's borrowed bytes. libmosquitto sends
/// the QoS 1 PUBACK only after the handler returns, and the ring is a shared file mapping that the
/// kernel keeps when the process dies: so a message the broker saw acknowledged survives SIGKILL
/// and is replayed at the next start. When the ring is full the push waits, the loop stalls,
/// PUBACKs stop and the broker holds further messages: back-pressure instead of loss.
public final class RingRecorder: Sendable {
    private let ring = Mutex<MessageRing?>(nil)
    private let maxPayloadBytes: Int
    private let syncEveryMessage: Bool
    private let logger: Logger
    private let received = Counter(label: "mash_mqtt_messages_received_total")
    private let waited = Counter(label: "mash_ring_backpressure_waits_total")
    private let oversized = Counter(label: "mash_mqtt_messages_oversized_total")

    /// Set in a record's `flags` when the MQTT message was a retained one (presence ignores those as evidence).
    static let retainedFlag: UInt8 = 1

    init(maxPayloadBytes: Int, syncEveryMessage: Bool, logger: Logger) {
        self.maxPayloadBytes = maxPayloadBytes
        self.syncEveryMessage = syncEveryMessage
        self.logger = logger
    }

    /// Set by the pipeline before the broker connection opens (it waits for the ingest gate).
    func attach(_ ring: MessageRing?) { self.ring.withLock { $0 = ring } }

    /// Copies one message into the ring; returns once it is there (or could not be stored, which is logged).
    ///
    /// `topic` and `payload` may be borrowed buffers: nothing keeps them after the call.
    /// `retained`: the broker replayed a retained message rather than the device sending it now.
    public func record(topic: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer, retained: Bool) {
        guard let ring = ring.withLock({ $0 }) else {
            // Cannot happen: the broker connection opens only after the ring is attached. If it did,
            // the message would be acknowledged without being stored, so make it loud.
            logger.critical("message received before the ring was open; it is not stored", metadata: ["topic": "\(Self.text(topic))"])
            return
        }
        received.increment()
        let now = WallInstant.now().microseconds
        do {
            let outcome: PushOutcome
            let flags = retained ? Self.retainedFlag : 0
            if payload.count > maxPayloadBytes {
                oversized.increment()
                var evidence = [UInt8]()
                evidence.reserveCapacity(8 + RecordKind.oversizedPrefix)
                withUnsafeBytes(of: UInt64(payload.count).bigEndian) { evidence += $0 }
                evidence += UnsafeRawBufferPointer(rebasing: payload[0..<RecordKind.oversizedPrefix])
                outcome = try evidence.withUnsafeBytes {
                    try ring.push(kind: RecordKind.oversized, flags: flags, receivedAt: now, topic: topic, payload: $0)
                }
            } else {
                outcome = try ring.push(kind: RecordKind.message, flags: flags, receivedAt: now, topic: topic, payload: payload)
            }
            switch outcome {
            case .written: break
            case .writtenAfterWaiting: waited.increment()
            case .closed:
                logger.error("ring closed while full; message not stored (the broker will not redeliver it)", metadata: ["topic": "\(Self.text(topic))"])
            }
            if syncEveryMessage { try ring.sync() }
        } catch {
            logger.error("could not store message in the ring", metadata: ["topic": "\(Self.text(topic))", "error": "\(error)"])
        }
    }

    private static func text(_ topic: UnsafeRawBufferPointer) -> String { String(decoding: topic, as: UTF8.self) }
}
