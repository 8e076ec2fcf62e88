import Logging
import Postgres
import SchemaMigrations
import Testing

/// After every migration, each query the seed's `sensor_readings` indexes exist for still runs on
/// an index: the plans PostgreSQL chooses (no planner switches turned off) on partitions with real
/// statistics. Each partition holds fewer rows than ANALYZE samples, so the statistics — and the
/// plans — are the same on every run.
@Suite("Seed queries on sensor_readings use an index", .timeLimit(.minutes(2)))
struct MigrationRunnerSeedQueryPlanTests {
    /// One device's readings since a time, newest first (the seed's device index).
    static let deviceSince = """
        SELECT timestamp, sensor_type_id, value FROM sensor_readings
        WHERE device_id = $1 AND timestamp >= $2::timestamp ORDER BY timestamp DESC
        """
    /// The latest value of each sensor of one device (the seed's device index, newest first).
    static let deviceLatestPerSensor = """
        SELECT s.id, r.value, r.timestamp FROM sensor_types s
        CROSS JOIN LATERAL (
            SELECT value, timestamp FROM sensor_readings
            WHERE device_id = $1 AND sensor_type_id = s.id ORDER BY timestamp DESC LIMIT 1
        ) r
        """
    /// One sensor type across the fleet since a time (the seed's sensor type index).
    static let sensorTypeSince = """
        SELECT device_id, timestamp, value FROM sensor_readings
        WHERE sensor_type_id = $1 AND timestamp >= $2::timestamp ORDER BY timestamp DESC
        """
    /// Everything in a time window, newest first (the seed's time index).
    static let timeWindow = """
        SELECT device_id, sensor_type_id, timestamp, value FROM sensor_readings
        WHERE timestamp >= $1::timestamp AND timestamp < $2::timestamp ORDER BY timestamp DESC
        """
    /// The fleet's newest readings (the seed's time index, read backwards from the newest partition).
    static let newest = "SELECT device_id, sensor_type_id, timestamp, value FROM sensor_readings ORDER BY timestamp DESC LIMIT 100"
    /// The exactly-once key: one device, sensor and time (the unique device index since 0011).
    static let oneReading = """
        SELECT value FROM sensor_readings WHERE device_id = $1 AND sensor_type_id = $2 AND timestamp = $3::timestamp
        """

    @Test func everySeedQueryRunsOnItsIndex() async throws {
        let database = try await TestDatabase.make()
        let connection = try database.connect()
        defer { connection.close() }
        let (logger, _) = Logger.recording()
        try MigrationRunner(migrations: try Migration.embedded, logger: logger).migrate(connection)
        try connection.execute("SELECT mash_ensure_partition('2026-03-01', 'day'), mash_ensure_partition('2026-03-02', 'day')")
        try connection.execute("""
            INSERT INTO devices (name, device_type, serial_number)
            SELECT 'd' || g, 'esp32', 'sn-' || lpad(g::text, 2, '0') FROM generate_series(1, 40) g
            """)
        try connection.execute("INSERT INTO sensor_types (name, unit) SELECT 'sensor_' || g, 'u' FROM generate_series(1, 20) g")
        // 40 devices × 20 sensors, one reading each every 40 minutes: 28,800 rows per daily partition.
        try connection.execute("""
            INSERT INTO sensor_readings (device_id, sensor_type_id, value, timestamp)
            SELECT d.id, s.id, g % 100, '2026-03-01'::timestamp + g * interval '40 minutes'
            FROM devices d, sensor_types s, generate_series(0, 71) g
            """)
        try connection.execute("ANALYZE sensor_readings")
        let device = try TestDatabase.value(connection, "SELECT id FROM devices WHERE serial_number = 'sn-07'")
        let sensor = try TestDatabase.value(connection, "SELECT id FROM sensor_types WHERE name = 'sensor_3'")

        let byDevice = "idx_sensor_readings_device_timestamp"
        let bySensorType = "idx_sensor_readings_type_timestamp"
        let byTime = "idx_sensor_readings_timestamp"
        let cases: [(name: String, sql: String, parameters: [String?], index: String)] = [
            ("device, last day", Self.deviceSince, [device, "2026-03-02 00:00:00"], byDevice),
            ("device, latest per sensor", Self.deviceLatestPerSensor, [device], byDevice),
            ("sensor type, last day", Self.sensorTypeSince, [sensor, "2026-03-02 00:00:00"], bySensorType),
            ("time window", Self.timeWindow, ["2026-03-02 12:00:00", "2026-03-02 13:00:00"], byTime),
            ("newest readings", Self.newest, [], byTime),
            ("one reading by its key", Self.oneReading, [device, sensor, "2026-03-02 10:00:00"], byDevice),
        ]
        for query in cases {
            let plan = try connection.execute("EXPLAIN (FORMAT JSON) \(query.sql)", query.parameters).rows[0][0] ?? ""
            let wholePartitionReads = plan.matches(of: /"Node Type": "Seq Scan",[^{}]*"Relation Name": "sensor_readings/).count
            #expect(wholePartitionReads == 0, "\(query.name) reads a whole partition:\n\(plan)")
            let used = try Self.parentIndexes(in: plan, connection)
            #expect(used == [query.index], "\(query.name) uses \(used), not \(query.index):\n\(plan)")
        }
    }

    /// The partitioned indexes of `sensor_readings` whose partition indexes `plan` (EXPLAIN JSON) scans.
    static func parentIndexes(in plan: String, _ connection: PostgresConnection) throws -> Set<String> {
        let names = plan.matches(of: /"Index Name": "([^"]+)"/).map { String($0.output.1) }
        var parents: Set<String> = []
        for name in names {
            let parent = try TestDatabase.value(connection, """
                SELECT coalesce((SELECT inhparent::regclass::text FROM pg_inherits WHERE inhrelid = $1::text::regclass), $1::text)
                """, [name])
            parents.insert(parent ?? name)
        }
        return parents
    }
}
