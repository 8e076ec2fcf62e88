import MessageRing
import Synchronization

/// Turns out-of-order batch completions into the ring position that may be released.
///
/// Batches are numbered in ring order and written by several connections at once; the ring
/// may only be released up to the end of the last batch whose predecessors are all durable
/// (in PostgreSQL or the spool), or a crash could lose an earlier batch that was still in flight.
final class CompletionTracker: Sendable {
    private struct State {
        var nextToRelease: UInt64 = 0
        var done: [UInt64: RingPosition] = [:]
        var releasable: RingPosition?
        var outstanding = 0
    }
    private let state = Mutex(State())

    /// A batch numbered `sequence` was handed to the writers.
    func submitted() { state.withLock { $0.outstanding += 1 } }

    /// Batch `sequence`, which ends at `end` in the ring, is durable.
    func completed(_ sequence: UInt64, end: RingPosition?) {
        state.withLock { state in
            state.outstanding -= 1
            state.done[sequence] = end ?? RingPosition(bytes: 0, records: 0)
            while let position = state.done.removeValue(forKey: state.nextToRelease) {
                if position.bytes > 0 { state.releasable = position }
                state.nextToRelease += 1
            }
        }
    }

    /// The furthest position whose records are all durable, once; nil when nothing new.
    func takeReleasable() -> RingPosition? {
        state.withLock { state in
            defer { state.releasable = nil }
            return state.releasable
        }
    }

    var outstanding: Int { state.withLock { $0.outstanding } }
}
