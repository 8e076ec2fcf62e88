import Foundation
import GatewayConfig
@testable import Ingest
import Logging
import MessageRing
import Postgres
import Testing
import TestSupport

@Suite("WriterPool: ordered release, the spool during an outage, finish", .timeLimit(.minutes(3)))
struct WriterPoolDatabaseTests {
    static let readingsPerBatch = 100
    static let logger = Logger(label: "mash.test.writer-pool")

    @Test func everyBatchIsWrittenAndTheRingIsReleasedInOrder() async throws {
        let f = try await IngestFixture.make()
        let spool = try Spool(directory: try makeSpoolDirectory(), maxBytes: 64 << 20, logger: Self.logger)
        let pool = makePool(f, spool: spool, connections: 3)
        pool.start()
        var offered: [RingPosition] = []
        for sequence in 0..<12 {
            // Batch 5 holds control messages only: no rows, but a ring end to release past.
            let batch = sequence == 5 ? pool.recycled.take(timeout: .seconds(30)) ?? ReadingBatch(capacity: 1) : readings(f, of: pool, batch: sequence)
            pool.submit(WriteJob(sequence: UInt64(sequence), batch: batch, ringEnd: ringEnd(sequence)))
            if let position = pool.tracker.takeReleasable() { offered.append(position) }
        }
        try await waitUntil("every batch to be durable") {
            if let position = pool.tracker.takeReleasable() { offered.append(position) }
            return pool.tracker.outstanding == 0
        }
        if let position = pool.tracker.takeReleasable() { offered.append(position) }
        try await onThread { pool.finish() }
        #expect(offered == offered.sorted() && Set(offered).count == offered.count, "released out of order: \(offered)")
        #expect(offered.last == ringEnd(11))
        #expect(try f.count() == 11 * Self.readingsPerBatch)
        #expect(spool.isEmpty)
    }

    @Test func finishReturnsOnlyWhenEverySubmittedBatchIsStored() async throws {
        let f = try await IngestFixture.make()
        let spool = try Spool(directory: try makeSpoolDirectory(), maxBytes: 64 << 20, logger: Self.logger)
        let pool = makePool(f, spool: spool, connections: 2)
        pool.start()
        for sequence in 0..<10 {
            pool.submit(WriteJob(sequence: UInt64(sequence), batch: readings(f, of: pool, batch: sequence), ringEnd: ringEnd(sequence)))
        }
        try await onThread { pool.finish() }
        #expect(pool.tracker.outstanding == 0)
        #expect(try f.count() == 10 * Self.readingsPerBatch)
        #expect(pool.tracker.takeReleasable() == ringEnd(9))
    }

    @Test func duringAnOutageBatchesGoToTheSpoolAndAreReplayedOldestFirst() async throws {
        let cluster = try await TestPostgres.start()
        defer { Task { await cluster.stop() } }
        let f = try await IngestFixture.make(on: cluster)
        let spool = try Spool(directory: try makeSpoolDirectory(), maxBytes: 64 << 20, logger: Self.logger)
        let pool = makePool(f, spool: spool, connections: 2)
        pool.start()
        pool.submit(WriteJob(sequence: 0, batch: readings(f, of: pool, batch: 0), ringEnd: ringEnd(0)))
        try await waitUntil("the first batch to be durable") { pool.tracker.outstanding == 0 }
        #expect(try f.count() == Self.readingsPerBatch)

        await cluster.stop()
        // One at a time, so that the spool's order is the submission order.
        for sequence in 1...3 {
            pool.submit(WriteJob(sequence: UInt64(sequence), batch: readings(f, of: pool, batch: sequence), ringEnd: ringEnd(sequence)))
            try await waitUntil("batch \(sequence) to be spooled", timeout: .seconds(30)) { pool.tracker.outstanding == 0 }
            #expect(spool.count == sequence)
        }
        #expect(pool.tracker.takeReleasable() == ringEnd(3), "spooled batches are durable: the ring may be released")

        try await cluster.restart()
        try await waitUntil("the spool to be replayed", timeout: .seconds(60)) { pool.spoolIsEmpty }
        try await onThread { pool.finish() }
        try expectEachBatchOnce(f, batches: 4, replayOrder: [1, 2, 3])
    }

    @Test func finishWithTheDatabaseAwayReturnsOnceEverythingIsSpooled() async throws {
        let cluster = try await TestPostgres.start()
        defer { Task { await cluster.stop() } }
        let f = try await IngestFixture.make(on: cluster)
        let spool = try Spool(directory: try makeSpoolDirectory(), maxBytes: 64 << 20, logger: Self.logger)
        await cluster.stop()
        let first = makePool(f, spool: spool, connections: 2)
        first.start()
        for sequence in 0..<4 {
            first.submit(WriteJob(sequence: UInt64(sequence), batch: readings(f, of: first, batch: sequence), ringEnd: ringEnd(sequence)))
        }
        try await onThread { first.finish() }
        #expect(spool.count == 4)

        // The next start finds them in the spool and writes them once the database is back.
        try await cluster.restart()
        let second = makePool(f, spool: spool, connections: 2)
        second.start()
        try await waitUntil("the spool to be replayed", timeout: .seconds(60)) { second.spoolIsEmpty }
        try await onThread { second.finish() }
        try expectEachBatchOnce(f, batches: 4, replayOrder: nil)
    }

    /// A database that answers writes read-only (a standby reached without target_session_attrs, a
    /// demoted primary): each batch is spooled after one fresh session fails too — no reconnect loop,
    /// nothing split into rejects — and replayed once writes are accepted again.
    @Test func aReadOnlyDatabaseIsAnOutageThenTheSpoolIsReplayed() async throws {
        let cluster = try await TestPostgres.shared()
        let f = try await IngestFixture.make(on: cluster)
        let name = String(f.url.split(separator: "/").last!)
        _ = try cluster.psql("ALTER ROLE mash IN DATABASE \(name) SET default_transaction_read_only = on", database: "postgres")
        let spool = try Spool(directory: try makeSpoolDirectory(), maxBytes: 64 << 20, logger: Self.logger)
        let pool = makePool(f, spool: spool, connections: 1)
        pool.start()
        for sequence in 0..<2 {
            pool.submit(WriteJob(sequence: UInt64(sequence), batch: readings(f, of: pool, batch: sequence), ringEnd: ringEnd(sequence)))
            try await waitUntil("batch \(sequence) to be spooled", timeout: .seconds(30)) { pool.tracker.outstanding == 0 }
            #expect(spool.count == sequence + 1)
        }
        #expect(try f.count() == 0)
        _ = try cluster.psql("ALTER ROLE mash IN DATABASE \(name) RESET default_transaction_read_only", database: "postgres")
        try await waitUntil("the spool to be replayed", timeout: .seconds(60)) { pool.spoolIsEmpty }
        try await onThread { pool.finish() }
        try expectEachBatchOnce(f, batches: 2, replayOrder: [0, 1])
        #expect(try f.count("SELECT count(*) FROM ingest_rejects") == 0)
    }

    // MARK: Helpers

    private func makePool(_ f: IngestFixture, spool: Spool, connections: Int) -> WriterPool {
        WriterPool(
            databaseURL: f.url, partitions: PartitionSettings(interval: .day, retentionDays: 365, premake: 2), spool: spool,
            connections: connections, batchSize: Self.readingsPerBatch, logger: Self.logger)
    }

    /// Batch `batch`'s readings: values `batch * 1000 + i` (scaled), so a row tells its batch.
    ///
    /// Filled in a batch the pool recycled, as the consumer does: writers return every batch to
    /// `recycled` and wait while it is full.
    private func readings(_ f: IngestFixture, of pool: WriterPool, batch: Int) -> ReadingBatch {
        var readings = pool.recycled.take(timeout: .seconds(30)) ?? ReadingBatch(capacity: Self.readingsPerBatch)
        let start = micros(2026, 7, 7)
        for i in 0..<Self.readingsPerBatch {
            let scaled = Int64(batch * 1000 + i)
            readings.add(f.devices[batch % 2], f.temperature, scaled, at: start + scaled)
        }
        return readings
    }

    private func ringEnd(_ batch: Int) -> RingPosition {
        RingPosition(bytes: UInt64(batch + 1) * 4096, records: UInt64(batch + 1) * 10)
    }

    /// Every batch's rows are stored exactly once; `replayOrder` batches were committed in that order.
    private func expectEachBatchOnce(_ f: IngestFixture, batches: Int, replayOrder: [Int]?) throws {
        let db = try PostgresConnection.connect(f.url)
        defer { db.close() }
        // One transaction per batch: its xmin orders the commits.
        let rows = try db.execute("""
            SELECT floor(value * 10)::int, count(*), count(DISTINCT (device_id, sensor_type_id, timestamp)),
                   min(xmin::text::bigint), max(xmin::text::bigint)
            FROM sensor_readings GROUP BY 1 ORDER BY 1
            """).rows
        #expect(rows.map { Int($0[0]!)! } == Array(0..<batches))
        #expect(rows.allSatisfy { $0[1] == "\(Self.readingsPerBatch)" && $0[2] == "\(Self.readingsPerBatch)" }, "\(rows)")
        #expect(rows.allSatisfy { $0[3] == $0[4] }, "a batch was split across transactions: \(rows)")
        if let replayOrder {
            let commits = replayOrder.map { Int64(rows[$0][3]!)! }
            #expect(commits == commits.sorted(), "spooled batches replayed out of order: \(rows)")
        }
    }
}
