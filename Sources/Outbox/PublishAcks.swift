import Synchronization

/// Which QoS 1 publishes the broker has acknowledged (PUBACK), fed from the MQTT client's events.
///
/// Message ids are 16-bit and reused, and every publish of the process (commands, status) reports
/// here too, so an ack counts for a publish only when it arrived after a `mark` taken before that
/// publish: each ack is stamped with a sequence number. Memory is bounded by the id space.
public final class PublishAcks: Sendable {
    private struct State {
        var sequence: UInt64 = 0
        var acked: [Int32: UInt64] = [:]
    }
    private let state = Mutex(State())

    public init() {}

    /// The broker acknowledged message `id` (called on the MQTT client's thread).
    public func acknowledged(_ id: Int32) {
        state.withLock { state in
            state.sequence += 1
            state.acked[id] = state.sequence
        }
    }

    /// Take before publishing; acks stamped after it belong to publishes made after it.
    public var mark: UInt64 { state.withLock { $0.sequence } }

    /// Whether `id` was acknowledged after `mark`.
    public func isAcknowledged(_ id: Int32, since mark: UInt64) -> Bool {
        state.withLock { ($0.acked[id] ?? 0) > mark }
    }
}
