import Foundation
import GatewayConfig
import Logging
import MessageRing
import Metrics
import Synchronization
import WallTime

/// A batch on its way to PostgreSQL, numbered in ring order.
struct WriteJob: Sendable {
    var sequence: UInt64
    var batch: ReadingBatch
    /// Where the batch's last ring record ends; nil for a job that covers no record.
    var ringEnd: RingPosition?
    /// When the batch's oldest row was received (µs since the epoch); nil for a batch without rows.
    var oldestReceivedMicros: Int64? = nil
    /// The batch's readings of sensors an alert rule watches, handed on once the batch is committed.
    var watched: [WatchedReading] = []
}

/// N writer threads, each with its own connection, plus the spool for when PostgreSQL is away.
///
/// A batch is "done" when it is durable: committed, or appended (fsync'd) to the spool. Until
/// then its ring records are not released, so nothing is lost if the process dies. While the
/// database is down, or while the spool still holds older batches, new batches go to the spool
/// too, so that batches reach the table in the order they were received. A drainer thread with
/// its own connection probes the database, and replays the spool oldest first when it is back.
/// When the spool is full, writers wait (the ring fills, the broker holds messages): never a drop.
/// While all is quiet the drainer probes its connection every `probeInterval`, so a database that
/// goes away is noticed (`databaseProblem`, `mash_database_up`) even when no batch is being written.
/// Watched readings reach the alert rules through `feed` once stored: a committed batch's at once
/// (in ring order), a spooled batch's when it is written back.
final class WriterPool: @unchecked Sendable {
    let tracker = CompletionTracker()
    private let queue: BlockingQueue<WriteJob>
    /// Emptied batches returned for reuse, so steady-state ingest allocates no new buffers.
    let recycled: BlockingQueue<ReadingBatch>
    private let spool: Spool
    private let spoolLock = NSLock()
    private let databaseDown = Atomic<Bool>(false)
    private let stopping = Atomic<Bool>(false)
    private let databaseURL: String
    private let partitions: PartitionSettings
    private let logger: Logger
    private let feed: WatchedReadingFeed?
    private let finished = DispatchGroup()
    /// Receive times of the rows not yet committed, for the ingest lag.
    let unwritten: UnwrittenAges
    /// Why the database counts as away, while it does.
    private let downReason = Mutex<String?>(nil)
    /// Writers waiting in `queue.take()`: the consumer's "a writer is free" signal.
    private let idleWriters = Atomic<Int>(0)
    static let probeInterval = Duration.seconds(2)

    private let stored = Counter(label: "mash_readings_stored_total")
    private let duplicates = Counter(label: "mash_readings_duplicate_total")
    private let rejected = Counter(label: "mash_ingest_rejects_stored_total")
    private let batches = Counter(label: "mash_batches_written_total")
    private let spooledBatches = Counter(label: "mash_batches_spooled_total")
    private let writeTime = Timer(label: "mash_batch_write_seconds")
    private let spoolGauge = Gauge(label: "mash_spool_batches")
    private let spoolBytesGauge = Gauge(label: "mash_spool_bytes")
    private let databaseUp = Gauge(label: "mash_database_up")
    /// 1 while the spool refuses batches for that reason (`full`, `no_space`, `io_error`).
    private let spoolBlocked = Dictionary(uniqueKeysWithValues: SpoolAppendState.Outcome.allCases.filter { $0 != .appended }.map {
        ($0, Gauge(label: "mash_spool_blocked", dimensions: [("reason", $0.rawValue)]))
    })
    /// Appends the spool refused, by reason.
    private let spoolRefusals = Dictionary(uniqueKeysWithValues: SpoolAppendState.Outcome.allCases.filter { $0 != .appended }.map {
        ($0, Counter(label: "mash_spool_append_refused_total", dimensions: [("reason", $0.rawValue)]))
    })
    private let appendState = Mutex(SpoolAppendState())
    /// The batch number of each spooled record, oldest first, after `unnumberedSpooled` records an
    /// earlier run left (their numbers are gone): the feed needs a replayed batch's place in ring
    /// order, and two writers can append in the other order. Guarded by `spoolLock`.
    private var spooledSequences: [UInt64] = []
    private var unnumberedSpooled: Int

    init(databaseURL: String, partitions: PartitionSettings, spool: Spool, connections: Int, batchSize: Int, logger: Logger,
         feed: WatchedReadingFeed? = nil) {
        self.databaseURL = databaseURL
        self.feed = feed
        self.partitions = partitions
        self.spool = spool
        self.logger = logger
        queue = BlockingQueue(capacity: connections * 2)
        recycled = BlockingQueue(capacity: connections * 2 + 2)
        for _ in 0..<(connections * 2 + 1) { recycled.put(ReadingBatch(capacity: batchSize)) }
        self.connectionCount = connections
        unwritten = UnwrittenAges(spooledAtStart: spool.count, now: WallInstant.now().microseconds)
        unnumberedSpooled = spool.count
        updateSpoolGauges()
        for gauge in spoolBlocked.values { gauge.record(0) }
    }

    private let connectionCount: Int

    /// Connects every writer (the database gate has opened, so this normally succeeds at once;
    /// a writer that cannot connect tries again at its first batch) and starts the threads.
    func start() {
        for index in 0..<connectionCount {
            let writer = try? BatchWriter.connect(url: databaseURL, partitions: partitions, applicationName: "mash-gateway writer \(index + 1)", logger: logger)
            launch("mash-writer-\(index + 1)") { [self] in writerLoop(writer) }
        }
        launch("mash-spool") { [self] in drainerLoop() }
    }

    private func launch(_ name: String, _ body: @escaping @Sendable () -> Void) {
        finished.enter()
        let thread = Thread { [finished] in
            body()
            finished.leave()
        }
        thread.name = name
        thread.start()
    }

    /// Hands a batch to a writer; waits while every writer is busy, calling `waiting` every second.
    func submit(_ job: WriteJob, waiting: () -> Void = {}) {
        tracker.submitted()
        unwritten.submitted(job.sequence, oldest: job.oldestReceivedMicros)
        while !queue.put(job, timeout: .seconds(1)) {
            waiting()
        }
    }

    /// Waits until every submitted batch is durable, then stops the threads.
    func finish() {
        while tracker.outstanding > 0 { usleep(2_000) }
        stopping.store(true, ordering: .releasing)
        queue.close()
        finished.wait()
    }

    var spoolIsEmpty: Bool { spoolLock.withLock { spool.isEmpty } }

    /// Whether a batch handed over now would be written at once: a writer waits with nothing
    /// queued for it, and batches go to PostgreSQL rather than the spool (while they go to the
    /// spool, each would be a frame of its own, replayed later as a transaction of its own).
    /// Never blocks: a spool busy with an append or a replay counts as "not free".
    var hasFreeWriter: Bool {
        guard idleWriters.load(ordering: .acquiring) > queue.count, !databaseDown.load(ordering: .acquiring),
              spoolLock.try() else { return false }
        defer { spoolLock.unlock() }
        return spool.isEmpty
    }

    /// The spool's size and its bound (`ingest.spool_max_mb`), in bytes.
    var spoolUsage: (bytes: Int, maxBytes: Int) { spoolLock.withLock { (spool.bytes, spool.maxBytes) } }

    /// Nil while the database answers; else since when it does not and the last error.
    var databaseProblem: String? { downReason.withLock { $0 } }

    // MARK: Writers

    private func writerLoop(_ initial: BatchWriter?) {
        var writer = initial
        while true {
            idleWriters.add(1, ordering: .releasing)
            let next = queue.take()
            idleWriters.subtract(1, ordering: .releasing)
            guard let job = next else { break }
            var batch = job.batch
            let spooled = !batch.isEmpty && store(&batch, sequence: job.sequence, writer: &writer)
            if !spooled {
                unwritten.finished(job.sequence, spooled: false)
            }
            if spooled {
                feed?.spooled(job.sequence)
            } else {
                feed?.committed(job.sequence, readings: job.watched)
            }
            tracker.completed(job.sequence, end: job.ringEnd)
            batch.reset()
            recycled.put(batch)
        }
        writer?.connection.close()
    }

    /// Returns once `batch` is committed (false) or spooled (true).
    private func store(_ batch: inout ReadingBatch, sequence: UInt64, writer: inout BatchWriter?) -> Bool {
        batch.seal()
        var delay: UInt32 = 100_000
        // One fresh session per failure: a write that fails again on it (a standby answering read-only,
        // a server refusing for a reason of its own) is an outage, spooled, not a loop of reconnects.
        var reconnectedOnce = false
        while true {
            if !databaseDown.load(ordering: .acquiring) && spoolIsEmpty, let current = writer ?? connectedOrMarkedDown() {
                writer = current
                let start = ContinuousClock.now
                do {
                    let result = try current.write(batch)
                    let elapsed = ContinuousClock.now - start
                    writeTime.recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
                    record(result)
                    return false
                } catch {
                    // A stale session after an outage: one fresh connection decides whether the database is really away.
                    if !reconnectedOnce, let again = reconnected(current) {
                        writer = again
                        reconnectedOnce = true
                        continue
                    }
                    markDown(error)
                }
            }
            if toSpool(batch, sequence: sequence) { return true }
            // Spool full and database away: hold the batch (and so the ring) until either frees up.
            usleep(delay)
            delay = min(delay * 2, 2_000_000)
        }
    }

    private func reconnected(_ writer: BatchWriter?) -> BatchWriter? {
        if let writer {
            do {
                try writer.reconnect()
                return writer
            } catch {
                return nil
            }
        }
        return try? BatchWriter.connect(url: databaseURL, partitions: partitions, applicationName: "mash-gateway writer", logger: logger)
    }

    /// A new connection for a writer that has none; nil when the database cannot be reached, which
    /// then counts as an outage (the drainer probes for its end, and `finish()` does not wait for it).
    private func connectedOrMarkedDown() -> BatchWriter? {
        do {
            return try BatchWriter.connect(url: databaseURL, partitions: partitions, applicationName: "mash-gateway writer", logger: logger)
        } catch {
            markDown(error)
            return nil
        }
    }

    private func record(_ result: BatchWriteResult) {
        stored.increment(by: result.inserted)
        duplicates.increment(by: result.duplicates)
        rejected.increment(by: result.rejects)
        batches.increment()
        if !result.partitionsCreated.isEmpty {
            logger.info("partitions created", metadata: ["partitions": "\(result.partitionsCreated)"])
        }
    }

    private func markDown(_ error: any Error) {
        if !databaseDown.exchange(true, ordering: .acquiringAndReleasing) {
            databaseUp.record(0)
            downReason.withLock { $0 = "unreachable since \(WallInstant.now()): \(error)" }
            logger.error("database unreachable; batches go to the spool until it returns", metadata: ["error": "\(error)"])
        }
    }

    /// Appends the batch to the spool, durably; false when the spool is full, its filesystem has
    /// no space left or the write fails otherwise. The spool cuts a failed append off again, so
    /// earlier records stay intact; the caller holds the batch (and so the ring) and retries.
    private func toSpool(_ batch: ReadingBatch, sequence: UInt64) -> Bool {
        let bytes = batch.serialize()
        var outcome = SpoolAppendState.Outcome.appended
        var failure: SpoolError?
        do {
            spoolLock.lock()
            defer { spoolLock.unlock() }
            if try spool.append(bytes) {
                unwritten.finished(sequence, spooled: true)
                spooledSequences.append(sequence)
            } else {
                outcome = .full
            }
        } catch {
            failure = error
            outcome = SpoolAppendState.outcome(ofErrno: error.errno)
        }
        if outcome == .appended {
            spooledBatches.increment()
            updateSpoolGauges()
        } else {
            spoolRefusals[outcome]?.increment()
        }
        reportSpool(outcome, failure: failure)
        return outcome == .appended
    }

    /// One log line and a gauge change when appends stop or resume (see `SpoolAppendState`).
    private func reportSpool(_ outcome: SpoolAppendState.Outcome, failure: SpoolError?) {
        let change = appendState.withLock { $0.record(outcome) }
        if change == .none { return }
        let metadata: Logger.Metadata = [
            "spool_dir": "\(spool.directory)", "spool_bytes": "\(spoolLock.withLock { spool.bytes })",
            "error": "\(failure.map { "\($0)" } ?? "none")",
        ]
        switch change {
        case .none:
            return
        case .blocked(let reason):
            for (key, gauge) in spoolBlocked { gauge.record(key == reason ? 1 : 0) }
            switch reason {
            case .full:
                logger.warning("spool full (ingest.spool_max_mb); holding batches (the broker keeps further messages)", metadata: metadata)
            case .noSpace:
                logger.error(
                    "spool disk full: no space left on the spool's filesystem; holding batches, the broker keeps further messages (PUBACKs stop) until space is freed there",
                    metadata: metadata)
            case .ioError, .appended:
                logger.error("spool append failed; holding batches and retrying", metadata: metadata)
            }
        case .resumed(let reason):
            for gauge in spoolBlocked.values { gauge.record(0) }
            logger.notice("spool takes batches again; ingestion resumes", metadata: ["after": "\(reason.rawValue)"])
        }
    }

    private func updateSpoolGauges() {
        let (count, bytes) = spoolLock.withLock { (spool.count, spool.bytes) }
        spoolGauge.record(count)
        spoolBytesGauge.record(bytes)
    }

    // MARK: Spool replay

    private func drainerLoop() {
        var writer: BatchWriter?
        var delay: UInt32 = 200_000
        var lastProbe = ContinuousClock.now
        databaseUp.record(databaseDown.load(ordering: .acquiring) ? 0 : 1)
        while !(stopping.load(ordering: .acquiring) && spoolIsEmpty) {
            if databaseDown.load(ordering: .acquiring) || !spoolIsEmpty {
                if writer == nil || databaseDown.load(ordering: .acquiring) {
                    writer = reconnected(writer)
                }
                if let current = writer {
                    if databaseDown.exchange(false, ordering: .acquiringAndReleasing) {
                        databaseUp.record(1)
                        downReason.withLock { $0 = nil }
                        logger.info("database reachable again; replaying the spool", metadata: ["spooled_batches": "\(spoolLock.withLock { spool.count })"])
                    }
                    if replayOldest(with: current) {
                        delay = 200_000
                        continue
                    }
                }
                if stopping.load(ordering: .acquiring) && databaseDown.load(ordering: .acquiring) { break }
                usleep(delay)
                delay = min(delay * 2, 5_000_000)
            } else {
                if ContinuousClock.now - lastProbe >= Self.probeInterval {
                    lastProbe = .now
                    writer = probed(writer)
                }
                usleep(50_000)
            }
        }
        writer?.connection.close()
    }

    /// Asks the database for `SELECT 1` on the drainer's connection (opening it if there is none);
    /// a failure that one fresh session does not cure marks the database down.
    private func probed(_ writer: BatchWriter?) -> BatchWriter? {
        guard let writer else { return connectedOrMarkedDown() }
        do {
            _ = try writer.connection.execute("SELECT 1")
            return writer
        } catch {
            if let again = reconnected(writer) { return again }
            markDown(error)
            return writer
        }
    }

    private func removeOldest() throws {
        spoolLock.lock()
        defer { spoolLock.unlock() }
        try spool.removeOldest()
        unwritten.replayedOldest()
        if unnumberedSpooled > 0 {
            unnumberedSpooled -= 1
        } else if !spooledSequences.isEmpty {
            spooledSequences.removeFirst()
        }
    }

    /// The batch number of the spool's oldest record; nil when an earlier run spooled it.
    private var oldestSpooledSequence: UInt64? {
        spoolLock.withLock { unnumberedSpooled > 0 ? nil : spooledSequences.first }
    }

    /// Writes the spool's oldest batch and removes it; false when there is none or the write failed.
    private func replayOldest(with writer: BatchWriter) -> Bool {
        let oldest: SpoolRecord?
        do {
            spoolLock.lock()
            defer { spoolLock.unlock() }
            oldest = try spool.oldest()
        } catch {
            logger.error("spool read failed", metadata: ["error": "\(error)"])
            return false
        }
        guard let oldest else { return false }
        do {
            let batch = try ReadingBatch(serialized: oldest.bytes)
            let result = try writer.write(batch)
            record(result)
            feed?.replayed(batch, sequence: oldestSpooledSequence)
            try removeOldest()
            updateSpoolGauges()
            return true
        } catch let error as ReadingBatchFormatError {
            // Cannot be written, ever: keep the evidence, skip it, say so loudly.
            logger.critical("spooled batch unreadable; moving past it", metadata: ["error": "\(error)", "position": "\(oldest.position)"])
            // Later batches' readings wait for this one in the feed: let them go.
            feed?.replayed(nil, sequence: oldestSpooledSequence)
            try? removeOldest()
            return true
        } catch {
            markDown(error)
            return false
        }
    }
}
