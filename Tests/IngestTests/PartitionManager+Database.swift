import GatewayConfig
@testable import Ingest
import Postgres
import Testing
import TestSupport
import WallTime

@Suite("PartitionManager against PostgreSQL: on demand, concurrent, interval changes, premake, retention")
struct PartitionManagerDatabaseTests {
    @Test func sqlAndSwiftAgreeOnBucketsAndNames() async throws {
        let f = try await IngestFixture.make()
        for interval in PartitionInterval.allCases {
            for ts in [micros(2024, 2, 29, 23, 59), micros(2026, 12, 31, 23), micros(2027, 1, 1), micros(2000, 1, 1), micros(2026, 11, 23)] {
                let swift = PartitionBucket(containing: ts, interval: interval)
                let row = try f.db.execute("""
                    SELECT partition_name, (extract(epoch FROM range_start) * 1000000)::bigint, (extract(epoch FROM range_end) * 1000000)::bigint
                    FROM mash_partition_bucket($1::timestamp, $2)
                    """, [DateTimeText.format(ts, fraction: .sixDigitsUnlessZero), interval.rawValue]).rows[0]
                #expect(row == [swift.name, String(swift.startMicros), String(swift.endMicros)])
            }
        }
    }

    @Test(arguments: PartitionInterval.allCases)
    func partitionsAreCreatedOnDemandAcrossYearAndLeapBoundaries(interval: PartitionInterval) async throws {
        let f = try await IngestFixture.make()
        let writer = try f.writer(interval)
        let times = [micros(2024, 2, 28, 23, 59, 59, 999_999), micros(2024, 2, 29, 12), micros(2024, 3, 1),
                     micros(2026, 12, 31, 23, 59, 59, 999_999), micros(2027, 1, 1), micros(2026, 12, 28)]
        var batch = ReadingBatch(capacity: 8)
        for (i, t) in times.enumerated() { batch.add(f.devices[0], f.temperature, Int64(i), at: t) }
        let result = try writer.write(batch)
        #expect(result.inserted == times.count)
        let expected = Set(times.map { PartitionBucket(containing: $0, interval: interval).name })
        #expect(Set(result.partitionsCreated) == expected)
        #expect(Set(try f.partitions()) == expected)
        // Every row is in the partition named for its bucket.
        let placed = try f.db.execute("SELECT tableoid::regclass::text, timestamp::text FROM sensor_readings").rows
        for row in placed {
            let ts = times.first { DateTimeText.format($0, fraction: .sixDigitsUnlessZero) == row[1]! }!
            #expect(row[0] == PartitionBucket(containing: ts, interval: interval).name)
        }
        // A second batch on known days sends no partition SQL and creates nothing.
        var again = ReadingBatch(capacity: 8)
        again.add(f.devices[1], f.temperature, 1, at: times[0])
        #expect(try writer.write(again).partitionsCreated.isEmpty)
    }

    @Test func twoConnectionsCreateTheSamePartitionsAtOnceWithoutError() async throws {
        let f = try await IngestFixture.make()
        let connections = [try PostgresConnection.connect(f.url), try PostgresConnection.connect(f.url)]
        let days = (0..<40).map { CivilDate(year: 2025, month: 12, day: 1).dayNumber + Int64($0) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (i, connection) in connections.enumerated() {
                group.addTask {
                    var manager = PartitionManager(settings: PartitionSettings(interval: i == 0 ? .day : .week))
                    try manager.ensure(days: i == 0 ? days : days.reversed(), on: connection)
                    for day in days {
                        let start = day * CivilDate.microsPerDay
                        #expect(manager.known.firstGap(from: start, to: start + CivilDate.microsPerDay) == nil)
                    }
                }
            }
            try await group.waitForAll()
        }
        // Whatever mix of day and week partitions resulted, the 40 days are covered without overlap.
        let ranges = try f.db.execute("""
            SELECT (extract(epoch FROM range_start) * 1000000)::bigint, (extract(epoch FROM range_end) * 1000000)::bigint
            FROM mash_partitions() ORDER BY range_start
            """).rows.map { (Int64($0[0]!)!, Int64($0[1]!)!) }
        for (a, b) in zip(ranges, ranges.dropFirst()) { #expect(a.1 <= b.0) }
        let sorted = ranges.map { PartitionRange(name: "", startMicros: $0.0, endMicros: $0.1) }
        #expect(sorted.firstGap(from: days[0] * CivilDate.microsPerDay, to: (days.last! + 1) * CivilDate.microsPerDay) == nil)
    }

    @Test func anIntervalChangeRespectsExistingPartitionsAndFillsOnlyGaps() async throws {
        let f = try await IngestFixture.make()
        // Day partitions for Mon 2026-11-23 and Wed 2026-11-25 exist (an earlier run at `day`).
        var days = PartitionManager(settings: PartitionSettings(interval: .day))
        try days.ensure(timestampsMicros: [micros(2026, 11, 23, 5), micros(2026, 11, 25, 5)], on: f.db)
        // Now the interval is `week`: a reading on Tuesday and one on Sunday.
        let writer = try f.writer(.week)
        var batch = ReadingBatch(capacity: 4)
        batch.add(f.devices[0], f.temperature, 1, at: micros(2026, 11, 24, 12))
        batch.add(f.devices[0], f.temperature, 2, at: micros(2026, 11, 29, 23))
        batch.add(f.devices[0], f.temperature, 3, at: micros(2026, 11, 25, 1))
        #expect(try writer.write(batch).inserted == 3)
        let rows = try f.db.execute("SELECT partition_name, range_start::text, range_end::text FROM mash_partitions() ORDER BY range_start").rows
        #expect(rows == [
            ["sensor_readings_p20261123", "2026-11-23 00:00:00", "2026-11-24 00:00:00"],
            ["sensor_readings_w20261123_20261124000000", "2026-11-24 00:00:00", "2026-11-25 00:00:00"],
            ["sensor_readings_p20261125", "2026-11-25 00:00:00", "2026-11-26 00:00:00"],
            ["sensor_readings_w20261123_20261126000000", "2026-11-26 00:00:00", "2026-11-30 00:00:00"],
        ])
        // A clipped bucket's partition is named for its bucket plus its start. Back to month: the rest around them.
        var months = PartitionManager(settings: PartitionSettings(interval: .month))
        try months.ensure(timestampsMicros: [micros(2026, 11, 2), micros(2026, 11, 30, 12), micros(2026, 12, 3)], on: f.db)
        #expect(try f.partitions() == [
            "sensor_readings_m202611_20261101000000", "sensor_readings_p20261123", "sensor_readings_w20261123_20261124000000",
            "sensor_readings_p20261125",
            "sensor_readings_w20261123_20261126000000", "sensor_readings_m202611_20261130000000", "sensor_readings_m202612",
        ])
    }

    @Test func premakeCreatesCurrentAndNextAndDropExpiredKeepsWhatRetentionNeeds() async throws {
        let f = try await IngestFixture.make()
        let writer = try f.writer(.day, retention: 10)
        let now = micros(2026, 11, 25, 12)
        #expect(try writer.premakePartitions(now: now) == ["sensor_readings_p20261125", "sensor_readings_p20261126", "sensor_readings_p20261127"])
        #expect(try writer.premakePartitions(now: now).isEmpty)
        // Old data: 2026-11-14 ends before the cutoff (11-15 12:00); 11-15 straddles it and stays.
        var batch = ReadingBatch(capacity: 4)
        batch.add(f.devices[0], f.temperature, 1, at: micros(2026, 11, 14, 23))
        batch.add(f.devices[0], f.temperature, 2, at: micros(2026, 11, 15, 1))
        batch.add(f.devices[0], f.temperature, 3, at: micros(2026, 11, 15, 13))
        _ = try writer.write(batch)
        #expect(try writer.dropExpiredPartitions(now: now) == ["sensor_readings_p20261114"])
        #expect(try f.partitions() == ["sensor_readings_p20261115", "sensor_readings_p20261125", "sensor_readings_p20261126", "sensor_readings_p20261127"])
        #expect(try f.count() == 2)
        #expect(writer.partitions.retentionCutoffMicros(now: now) == micros(2026, 11, 15, 12))
        // Week and month partitions are dropped whole, only once entirely past the cutoff.
        var weeks = PartitionManager(settings: PartitionSettings(interval: .month, retentionDays: 10))
        try weeks.ensure(timestampsMicros: [micros(2026, 10, 5)], on: f.db)
        #expect(try weeks.dropExpired(now: micros(2026, 11, 10, 23), retentionDays: 10, on: f.db) == [])
        #expect(try weeks.dropExpired(now: micros(2026, 11, 11), retentionDays: 10, on: f.db) == ["sensor_readings_m202610"])
    }

    @Test func aPartitionDroppedBehindTheWritersBackIsRecreated() async throws {
        let f = try await IngestFixture.make()
        let writer = try f.writer()
        var batch = ReadingBatch(capacity: 2)
        batch.add(f.devices[0], f.temperature, 1, at: micros(2026, 5, 5))
        _ = try writer.write(batch)
        try f.db.execute("DROP TABLE sensor_readings_p20260505")
        var next = ReadingBatch(capacity: 2)
        next.add(f.devices[0], f.temperature, 2, at: micros(2026, 5, 5, 1))
        let result = try writer.write(next)
        #expect(result.inserted == 1 && result.isolated == 0 && result.partitionsCreated == ["sensor_readings_p20260505"])
    }
}
