import Ingest
import Logging
import Postgres
import Testing
import TestSupport
import WallTime

@Suite("RejectRetention against PostgreSQL", .timeLimit(.minutes(2)))
struct RejectRetentionDatabaseTests {
    static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    @Test("rows past retention are deleted in small batches, recent ones kept; two instances at once agree")
    func deletesOldKeepsRecent() async throws {
        let f = try await IngestFixture.make()
        let now = WallInstant.now().microseconds
        // 23 rows 31–40 days old, 5 rows 29 days old, 4 rows now.
        _ = try f.db.execute("""
            INSERT INTO ingest_rejects (received_at, topic, payload, reason, detail)
            SELECT \(SQLText.timestamp("$1::bigint")) - (g * interval '1 day') - (g * interval '1 minute'), 'devices/x/telemetry', '\\x00', 'malformed_payload', 'old ' || g
            FROM generate_series(1, 40) AS g WHERE g >= 31 OR g = 29 OR g <= 0
            """, [String(now)])
        _ = try f.db.execute("""
            INSERT INTO ingest_rejects (received_at, topic, payload, reason, detail)
            SELECT \(SQLText.timestamp("$1::bigint")) - (g * interval '1 second'), 'devices/x/telemetry', '\\x00', 'malformed_payload', 'new'
            FROM generate_series(1, 4) AS g
            """, [String(now)])
        _ = try f.db.execute("""
            INSERT INTO ingest_rejects (received_at, topic, payload, reason, detail)
            SELECT \(SQLText.timestamp("$1::bigint")) - interval '29 days' - (g * interval '1 second'), 't', NULL, 'malformed_payload', 'recent-ish'
            FROM generate_series(1, 4) AS g
            """, [String(now)])
        func count(_ condition: String) throws -> Int {
            Int(try f.db.execute("SELECT count(*) FROM ingest_rejects WHERE \(condition)").rows[0][0] ?? "") ?? -1
        }
        let old = try count("received_at < \(SQLText.timestamp(String(now - 30 * 86_400_000_000)))")
        #expect(old == 10)
        let total = try count("true")

        // Two gateways at once, batches of 3: together they delete each old row exactly once.
        let a = RejectRetention(databaseURL: f.url, retentionDays: 30, batchSize: 3, logger: Self.logger)
        let b = RejectRetention(databaseURL: f.url, retentionDays: 30, batchSize: 3, logger: Self.logger)
        async let first = Task.detached { try a.run(now: now) }.value
        async let second = Task.detached { try b.run(now: now) }.value
        let deleted = try await first + second
        #expect(deleted == old)
        #expect(try count("true") == total - old)
        #expect(try count("detail LIKE 'old %'") == 1, "the 29-day-old row stays")
        #expect(try count("detail = 'new'") == 4)
        #expect(try a.run(now: now) == 0, "a second run finds nothing")

        // 0 keeps everything, even rows from years ago.
        #expect(try RejectRetention(databaseURL: f.url, retentionDays: 0, logger: Self.logger).run(now: now + 3_650 * 86_400_000_000) == 0)
        #expect(try count("true") == total - old)
    }
}
