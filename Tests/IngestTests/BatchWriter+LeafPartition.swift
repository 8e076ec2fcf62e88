import GatewayConfig
@testable import Ingest
import Postgres
import Testing
import TestSupport

/// COPY straight into the leaf partition: used when a batch falls in one, and never at the cost of
/// rows landing outside `sensor_readings` when the partition changed behind the writer's back.
@Suite("BatchWriter: COPY into the leaf partition", .timeLimit(.minutes(2)))
struct BatchWriterLeafPartitionTests {
    static func batch(_ f: IngestFixture, at start: Int64, count: Int, value: Int64 = 1) -> ReadingBatch {
        var batch = ReadingBatch(capacity: count)
        for i in 0..<count { batch.add(f.devices[i % 2], f.temperature, value, at: start + Int64(i) * 1_000_000) }
        return batch
    }

    @Test func aBatchInOnePartitionIsStoredThereAndOneAcrossMidnightIsRouted() async throws {
        let f = try await IngestFixture.make()
        for target in CopyTarget.allCases {
            let writer = try BatchWriter.connect(url: f.url, partitions: PartitionSettings(interval: .day, retentionDays: 36500, premake: 1), target: target)
            defer { writer.connection.close() }
            let day = target == .leaf ? micros(2026, 4, 1) : micros(2026, 5, 1)
            let inOne = try writer.write(Self.batch(f, at: day + 3_600_000_000, count: 50))
            #expect(inOne.inserted == 50)
            #expect(writer.lastLeaf == (target == .leaf ? "sensor_readings_p20260401" : nil))
            // 23:59:35 … 00:00:14: two partitions, so PostgreSQL routes the rows.
            let across = try writer.write(Self.batch(f, at: day + 86_375_000_000, count: 40))
            #expect(across.inserted == 40 && writer.lastLeaf == nil)
            // A repeat still goes through the staging path and is stored once.
            let again = try writer.write(Self.batch(f, at: day + 3_600_000_000, count: 50, value: 2))
            #expect(again.inserted == 0 && again.duplicates == 50 && again.usedFallback)
        }
        #expect(try f.count("SELECT count(*) FROM sensor_readings_p20260401") == 75)
        #expect(try f.count("SELECT count(*) FROM sensor_readings_p20260402") == 15)
        #expect(try f.count("SELECT count(*) FROM sensor_readings WHERE value = 2") == 0)
        #expect(try f.count() == 180)
    }

    @Test func aPartitionDetachedBehindTheWriterNeverReceivesRows() async throws {
        let f = try await IngestFixture.make()
        let writer = try f.writer(retention: 36500)
        defer { writer.connection.close() }
        let day = micros(2026, 6, 10)
        #expect(try writer.write(Self.batch(f, at: day + 60_000_000, count: 10)).inserted == 10)
        #expect(writer.lastLeaf == "sensor_readings_p20260610")
        // An operator archives the partition; the writer still has it in its cache.
        try f.db.execute("ALTER TABLE sensor_readings DETACH PARTITION sensor_readings_p20260610")
        let result = try writer.write(Self.batch(f, at: day + 7_200_000_000, count: 10))
        #expect(result.inserted == 10 && writer.lastLeaf == nil)
        #expect(try f.count("SELECT count(*) FROM sensor_readings_p20260610") == 10, "the detached table got no new rows")
        #expect(try f.count() == 10, "the new rows are in sensor_readings, in a partition made again")
        #expect(try f.partitions().contains { $0.hasPrefix("sensor_readings_p20260610") })
    }

    @Test func aPartitionDroppedBehindTheWriterIsMadeAgain() async throws {
        let f = try await IngestFixture.make()
        let writer = try f.writer(retention: 36500)
        defer { writer.connection.close() }
        let day = micros(2026, 7, 10)
        #expect(try writer.write(Self.batch(f, at: day + 60_000_000, count: 10)).inserted == 10)
        #expect(writer.lastLeaf == "sensor_readings_p20260710")
        try f.db.execute("DROP TABLE sensor_readings_p20260710")
        let result = try writer.write(Self.batch(f, at: day + 7_200_000_000, count: 10))
        #expect(result.inserted == 10 && result.isolated == 0 && result.rejects == 0 && writer.lastLeaf == nil)
        #expect(try f.count() == 10)
    }
}
