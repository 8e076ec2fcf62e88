/// When the consumer hands its open batch to the writers: latency that follows the load.
///
/// A batch goes as soon as a writer is free to take it, once the consumer has caught up with the
/// ring; so light load gets small, fast transactions and heavy load big ones (while every writer
/// is busy the batch keeps filling). `ingest.batch_size` caps a batch and `ingest.flush_interval_ms`
/// bounds how long its first row waits, whatever the writers do.
///
/// Guarantees: a full batch always goes at once; a batch never waits past `maxWait`; while a
/// writer is free and the ring is drained, no open batch waits at all. (A batch opened by control
/// records alone holds no rows; it still goes, so the ring is released past them.) While the
/// database is away (batches go to the spool, each an fsync'd frame replayed later as its own
/// transaction) the pool reports no free writer, so size and interval alone decide. With
/// `whenWriterFree` off (`ingest.flush_when_writer_free: false`) they always do: fewest
/// transactions, and a latency of about the interval.
struct FlushPolicy: Sendable, Equatable {
    /// Why a batch goes now.
    enum Reason: Sendable, Equatable {
        /// It holds `batchSize` rows.
        case full
        /// Its first row has waited `maxWait`.
        case maxWait
        /// A writer is idle and the ring has nothing more for the batch right now.
        case writerFree
    }

    /// What the consumer does next.
    enum Decision: Sendable, Equatable {
        case flush(Reason)
        /// Keep filling; look again after at most this long (sooner when a record arrives).
        case wait(Duration)
    }

    /// Rows (readings and rejects) per batch at most (`ingest.batch_size`).
    let batchSize: Int
    /// The longest a batch's first row waits (`ingest.flush_interval_ms`).
    let maxWait: Duration
    /// How often to look for a writer that has become free while every writer is busy: the
    /// writers do not wake the consumer, so this bounds how late a freed writer is noticed.
    let busyPoll: Duration
    /// How long to wait for a record while no batch is open.
    let idlePoll: Duration
    /// Whether a free writer takes the batch before it is full or due.
    let whenWriterFree: Bool

    init(batchSize: Int, maxWait: Duration, whenWriterFree: Bool = true, busyPoll: Duration = .milliseconds(1), idlePoll: Duration = .milliseconds(50)) {
        precondition(batchSize >= 1, "FlushPolicy: batchSize must be at least 1")
        self.batchSize = batchSize
        self.maxWait = maxWait
        self.whenWriterFree = whenWriterFree
        self.busyPoll = busyPoll
        self.idlePoll = idlePoll
    }

    /// The decision for the open batch.
    ///
    /// - Parameters:
    ///   - rows: rows in the open batch (readings and rejects).
    ///   - age: how long ago its first record arrived; nil when no batch is open (nothing to flush).
    ///   - caughtUp: the ring holds nothing unread (more records would only join this batch).
    ///   - writerFree: a writer waits for work with nothing queued for it.
    func decide(rows: Int, age: Duration?, caughtUp: Bool, writerFree: Bool) -> Decision {
        guard let age else { return .wait(idlePoll) }
        if rows >= batchSize { return .flush(.full) }
        if age >= maxWait { return .flush(.maxWait) }
        guard whenWriterFree else { return .wait(min(idlePoll, maxWait - age)) }
        if caughtUp && writerFree { return .flush(.writerFree) }
        return .wait(min(busyPoll, maxWait - age))
    }
}
