import MessageRing

/// Holds the ring's release point before every control record whose effect is not committed yet.
///
/// The writers report how far the ring is durable for readings; a control record (a heartbeat,
/// a status, a command ack or result, an operator request) is only handed to its worker, which
/// commits its effect later. Releasing it with the readings would lose it to a crash in between
/// (a lost ack makes a command be sent twice). So each control record is held here with the mark
/// of the inputs it produced, and the ring is released up to the start of the oldest record whose
/// mark is not settled, never past what the writers made durable. A value: the consumer thread
/// owns it and asks `releasePoint` with the workers' progress.
///
/// Guarantee: a record returned as released is either not a control record or one whose effect is
/// committed; everything after the oldest unsettled control record stays in the ring and is read
/// again at the next start (presence replays are harmless; commands match acks to their state;
/// operator requests are idempotent by `request_id`).
struct ControlReleaseFence {
    private struct Held {
        var start: RingPosition
        var mark: ControlMark
    }

    /// Held records, oldest first (marks grow in this order).
    private var held: [Held] = []
    private var first = 0

    /// Control records not yet known to be settled.
    var count: Int { held.count - first }

    /// A control record starting at `start` was handed over; `mark` is where the workers' inputs stood then.
    mutating func hold(start: RingPosition, mark: ControlMark) {
        held.append(Held(start: start, mark: mark))
    }

    /// How far the ring may be released when the writers made it durable up to `durable`:
    /// `durable`, or the start of the oldest held record not settled, whichever comes first.
    mutating func releasePoint(durable: RingPosition, isSettled: (ControlMark) -> Bool) -> RingPosition {
        while first < held.count {
            let oldest = held[first]
            if oldest.start >= durable { return durable }
            guard isSettled(oldest.mark) else {
                if first >= 1024 && first * 2 >= held.count {
                    held.removeFirst(first)
                    first = 0
                }
                return oldest.start
            }
            first += 1
        }
        held.removeAll(keepingCapacity: true)
        first = 0
        return durable
    }
}
