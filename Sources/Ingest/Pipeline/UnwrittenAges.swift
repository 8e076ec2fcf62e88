import Synchronization

/// When the oldest reading not yet in PostgreSQL was received, for the ingest-lag gauge and `/healthz`.
///
/// Follows each batch from hand-over to the writers until it is committed: in flight (keyed by
/// its sequence number), then, if the database is away, in the spool (first in, first out, the
/// spool's own order) until replayed. Only receive times are kept, never the rows. Batches found in
/// the spool at start-up count from the moment the gateway started (their receive times are not
/// stored), so the lag after a restart is a lower bound until they are replayed.
final class UnwrittenAges: Sendable {
    private struct State {
        var inFlight: [UInt64: Int64] = [:]
        var spooled: [Int64] = []
        var spooledHead = 0
    }
    private let state = Mutex(State())

    init(spooledAtStart count: Int, now: Int64) {
        state.withLock { $0.spooled = Array(repeating: now, count: count) }
    }

    /// Batch `sequence`, whose oldest row was received at `oldest` (µs since the epoch), went to the writers.
    func submitted(_ sequence: UInt64, oldest: Int64?) {
        guard let oldest else { return }
        state.withLock { $0.inFlight[sequence] = oldest }
    }

    /// Batch `sequence` left the writers: committed, or (`spooled`) appended to the spool. Call a
    /// spooled batch's `finished` under the same lock as its spool append, so the order matches.
    func finished(_ sequence: UInt64, spooled: Bool) {
        state.withLock { state in
            guard let oldest = state.inFlight.removeValue(forKey: sequence) else {
                // A batch with no rows still takes a place in the spool's order.
                if spooled { state.spooled.append(.max) }
                return
            }
            if spooled { state.spooled.append(oldest) }
        }
    }

    /// The spool's oldest batch was replayed (or skipped as unreadable).
    func replayedOldest() {
        state.withLock { state in
            guard state.spooledHead < state.spooled.count else { return }
            state.spooledHead += 1
            if state.spooledHead > 1024, state.spooledHead * 2 > state.spooled.count {
                state.spooled.removeFirst(state.spooledHead)
                state.spooledHead = 0
            }
        }
    }

    /// The receive time of the oldest row in flight or in the spool; nil when there is none.
    var oldest: Int64? {
        state.withLock { state in
            let inFlight = state.inFlight.values.min()
            let spooled = state.spooled[state.spooledHead...].min()
            return [inFlight, spooled].compactMap { $0 }.filter { $0 != .max }.min()
        }
    }
}
