import Foundation
import GatewayConfig
@testable import Ingest
import Postgres
import Testing
import WallTime
import TestSupport

@Suite("Partition maintenance run by two instances at once")
struct PartitionMaintenanceInstancesTests {
    /// Two gateways' hourly maintenance at the same moment: premake goes through `mash_ensure_partition`
    /// (a transaction advisory lock and a re-check), retention drops each expired partition in its own
    /// transaction and takes "already dropped" (42P01) as done: no error, each partition dropped once.
    @Test func premakeAndRetentionTogetherMakeAndDropEachPartitionOnce() async throws {
        let f = try await IngestFixture.make()
        let now = micros(2026, 11, 25, 12)
        let oldDays = (0..<30).map { CivilDate(year: 2026, month: 10, day: 1).dayNumber + Int64($0) }
        var setup = PartitionManager(settings: PartitionSettings(interval: .day))
        try setup.ensure(days: oldDays, on: f.db)
        let writers = [try f.writer(.day, retention: 20), try f.writer(.day, retention: 20)]
        let results = try await simultaneously(writers.map { writer in
            { @Sendable () throws -> (made: [String], dropped: [String]) in
                (try writer.premakePartitions(now: now), try writer.dropExpiredPartitions(now: now))
            }
        })
        let dropped = results.flatMap(\.dropped)
        #expect(dropped.count == 30 && Set(dropped).count == 30, "each expired partition dropped by exactly one instance: \(results.map(\.dropped))")
        // Both may report a partition as made (it was missing when each looked); the catalog holds it once.
        #expect(Set(results.flatMap(\.made)) == ["sensor_readings_p20261125", "sensor_readings_p20261126", "sensor_readings_p20261127"])
        #expect(try f.partitions() == ["sensor_readings_p20261125", "sensor_readings_p20261126", "sensor_readings_p20261127"])
    }
}
