import Foundation
import GatewayConfig
@testable import Ingest
import Postgres
import Testing
import TestSupport

@Suite("BatchWriter: transaction pooling and read-only sessions", .timeLimit(.minutes(2)))
struct BatchWriterPoolingTests {
    /// Two writers through a PgBouncer with a two-session pool: their transactions land on either
    /// server session, so a staging table or partition state kept per session would break.
    @Test(arguments: [ExactlyOnceMode.optimistic, .staging])
    func repeatsAndRefusedRowsAreHandledThroughTransactionPooling(mode: ExactlyOnceMode) async throws {
        let postgres = try await TestPostgres.shared()
        let f = try await IngestFixture.make(on: postgres)
        let bouncer = try await TestPgBouncer.start(in: postgres, poolSize: 2)
        defer { Task { await bouncer.stop() } }
        try f.db.execute("ALTER TABLE sensor_readings ADD CONSTRAINT test_no_666 CHECK (value <> 666)")
        let settings = PartitionSettings(interval: .day, retentionDays: 365, premake: 1)
        let writers = try (0..<2).map { _ in try BatchWriter.connect(url: bouncer.pooledURL(f.url), partitions: settings, mode: mode) }
        let t = nowMicros() - 3_600_000_000
        func batch(_ range: Range<Int>, refuse: Int? = nil) -> ReadingBatch {
            var batch = ReadingBatch(capacity: range.count)
            for i in range { batch.add(f.devices[i % 2], f.temperature, i == refuse ? 6_660_000 : Int64(i), at: t + Int64(i)) }
            batch.seal()
            return batch
        }
        var inserted = 0
        var duplicates = 0
        // Alternate writers, each batch half new and half already stored.
        for round in 0..<6 {
            let result = try writers[round % 2].write(batch(round * 500..<(round * 500 + 1000)))
            inserted += result.inserted
            duplicates += result.duplicates
        }
        #expect(inserted == 3500 && duplicates == 2500)
        // A refused row is isolated under savepoints, inside one transaction, through the pooler too.
        let refused = try writers[0].write(batch(3500..<4000, refuse: 3600))
        #expect(refused.inserted == 499 && refused.isolated == 1)
        #expect(try f.count() == 3999)
        #expect(try f.count("SELECT count(*) FROM ingest_rejects WHERE reason = 'value_out_of_range'") == 1)
        // No temp table outlived its transaction on any pooled server session.
        #expect(try f.count("SELECT count(*) FROM pg_class WHERE relname = 'mash_ingest_staging'") == 0)
        for writer in writers { writer.connection.close() }
    }

    /// A standby (or a demoted primary) answers writes with 25006: that is "database unavailable",
    /// so the batch is kept for the spool and a reconnect, never split up or stored as rejects.
    @Test func aReadOnlySessionIsALostConnectionNotRefusedRows() async throws {
        let f = try await IngestFixture.make()
        let writer = try f.writer()
        var batch = ReadingBatch(capacity: 10)
        for i in 0..<10 { batch.add(f.devices[0], f.temperature, Int64(i), at: nowMicros() - Int64(i) * 1_000_000) }
        _ = try writer.connection.execute("SET default_transaction_read_only = on")
        #expect {
            try writer.write(batch)
        } throws: { error in
            guard let error = error as? IngestWriteError else { return false }
            return error.code == .connectionLost && error.underlying.sqlState == "25006"
        }
        try writer.reconnect()  // a new session: writable again (as the promoted primary would be)
        #expect(try writer.write(batch).inserted == 10)
        #expect(try f.count("SELECT count(*) FROM ingest_rejects") == 0)
    }
}
