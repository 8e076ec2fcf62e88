/// Which watched readings may go to the alert rules now, so that they see every stored batch in
/// ring order however it was stored.
///
/// Batches are numbered in ring order. A batch committed by a writer is ready at once; a batch that
/// went to the spool is ready only when it is written back, which can be after a later batch was
/// committed directly (a writer that found the database back while another was still spooling) or
/// after a later batch was replayed first (two writers appending to the spool in the other order).
/// Handing the later batch over first made every reading of the earlier one late for its device
/// (`ThresholdRuleMachine.isLate`): a hot window that fell in it was never raised. So a spooled
/// batch holds back everything after it until it is replayed. Batches spooled by an earlier run of
/// the process are older than anything of this run and carry no number: they go through at once.
/// A value: `WatchedReadingFeed` owns it under its lock.
struct WatchedReadingOrder<Reading> {
    /// The next batch number to hand over.
    private(set) var next: UInt64 = 0
    /// Batches that are stored but wait for an earlier one, by number.
    private var ready: [UInt64: [Reading]] = [:]

    /// Readings held back behind a spooled batch not yet replayed.
    var heldBack: Int { ready.values.reduce(0) { $0 + $1.count } }

    /// Batch `sequence` was committed (or held no rows): its readings, and any held behind it, in order.
    mutating func committed(_ sequence: UInt64, readings: [Reading]) -> [[Reading]] {
        stored(sequence, readings: readings)
    }

    /// Batch `sequence` went to the spool: nothing is handed over until it is replayed.
    mutating func spooled(_ sequence: UInt64) -> [[Reading]] { [] }

    /// A spooled batch was written back: `sequence` when this run spooled it, nil for an earlier run's.
    mutating func replayed(_ sequence: UInt64?, readings: [Reading]) -> [[Reading]] {
        guard let sequence else { return readings.isEmpty ? [] : [readings] }
        return stored(sequence, readings: readings)
    }

    private mutating func stored(_ sequence: UInt64, readings: [Reading]) -> [[Reading]] {
        // Handed over already: a spooled batch replayed again after its removal from the spool failed.
        guard sequence >= next else { return [] }
        ready[sequence] = readings
        var out: [[Reading]] = []
        while let batch = ready.removeValue(forKey: next) {
            if !batch.isEmpty { out.append(batch) }
            next += 1
        }
        return out
    }
}
