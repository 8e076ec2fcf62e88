import Logging
import Postgres
import SchemaMigrations
import TestSupport
import Testing

/// Migration 0011 on a database that already holds readings: the unique key moves into the seed's
/// device index, the rows stay, and a repeat is still refused — with or without the indexes built
/// beforehand partition by partition (the README's path for large tables).
@Suite("Migration 0011: exactly-once in the seed's index", .timeLimit(.minutes(2)))
struct MigrationRunnerExactlyOnceIndexTests {
    static let foldedVersion = 11

    /// A database migrated up to (not including) 0011, with two daily partitions of readings.
    static func databaseBeforeFolding() async throws -> (TestDatabase, PostgresConnection, MigrationRunner) {
        let database = try await TestDatabase.make()
        let connection = try database.connect()
        let (logger, _) = Logger.recording()
        let earlier = try Migration.embedded.filter { $0.version < foldedVersion }
        try MigrationRunner(migrations: earlier, logger: logger).migrate(connection)
        try connection.execute("SELECT mash_ensure_partition('2026-03-01', 'day'), mash_ensure_partition('2026-03-02', 'day')")
        try connection.execute("INSERT INTO devices (name, device_type, serial_number) VALUES ('d1', 'esp32', 'sn-1'), ('d2', 'esp32', 'sn-2')")
        try connection.execute("INSERT INTO sensor_types (name, unit) VALUES ('temperature', 'C'), ('humidity', '%')")
        // 2 devices × 2 sensors × 1,440 minutes × 2 days.
        try connection.execute("""
            INSERT INTO sensor_readings (device_id, sensor_type_id, value, timestamp)
            SELECT d.id, s.id, g % 100, '2026-03-01'::timestamp + g * interval '1 minute'
            FROM devices d, sensor_types s, generate_series(0, 2879) g
            """)
        return (database, connection, MigrationRunner(migrations: try Migration.embedded, logger: logger))
    }

    static func readingsDigest(_ connection: PostgresConnection) throws -> String? {
        try TestDatabase.value(connection, """
            SELECT count(*) || ' ' || md5(string_agg(id::text || device_id::text || sensor_type_id::text || value::text || timestamp::text, ',' ORDER BY id))
            FROM sensor_readings
            """)
    }

    /// Index name → definition, for the parent and every partition.
    static func indexes(_ connection: PostgresConnection) throws -> [String: String] {
        let rows = try connection.execute("""
            SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename LIKE 'sensor_readings%'
            """)
        return Dictionary(uniqueKeysWithValues: rows.rows.map { ($0[0] ?? "", $0[1] ?? "") })
    }

    /// A repeat of a stored reading (same device, sensor and time, new id) is refused with 23505.
    static func expectRepeatRefused(_ connection: PostgresConnection) throws {
        let error = #expect(throws: PostgresError.self) {
            try connection.execute("""
                INSERT INTO sensor_readings (device_id, sensor_type_id, value, timestamp)
                SELECT device_id, sensor_type_id, value + 1, timestamp FROM sensor_readings ORDER BY timestamp DESC LIMIT 1
                """)
        }
        #expect(error?.sqlState == "23505")
    }

    @Test func rowsStayAndRepeatsAreStillRefused() async throws {
        let (_, connection, runner) = try await Self.databaseBeforeFolding()
        defer { connection.close() }
        let before = try Self.readingsDigest(connection)
        #expect(before?.hasPrefix("11520 ") == true)

        let applied = try runner.migrate(connection)
        #expect(applied.map(\.version) == [Self.foldedVersion])
        #expect(try Self.readingsDigest(connection) == before)

        let indexes = try Self.indexes(connection)
        #expect(indexes["uq_sensor_readings_device_sensor_ts"] == nil, "the separate unique index is gone")
        #expect(indexes["idx_sensor_readings_device_timestamp"]
                == "CREATE UNIQUE INDEX idx_sensor_readings_device_timestamp ON ONLY public.sensor_readings USING btree (device_id, \"timestamp\" DESC, sensor_type_id)")
        // Four indexes per partition: the primary key and the seed's three, one of them unique.
        for partition in ["sensor_readings_p20260301", "sensor_readings_p20260302"] {
            let own = indexes.filter { $0.value.contains(" ON public.\(partition) ") }
            #expect(own.count == 4, "\(partition): \(own.keys.sorted())")
            #expect(own.values.filter { $0.hasPrefix("CREATE UNIQUE INDEX") }.count == 2)
        }
        try Self.expectRepeatRefused(connection)
        // A partition made after the migration inherits the unique key too.
        try connection.execute("SELECT mash_ensure_partition('2026-03-03', 'day')")
        try connection.execute("""
            INSERT INTO sensor_readings (device_id, sensor_type_id, value, timestamp)
            SELECT device_id, sensor_type_id, 1, timestamp + interval '1 day' FROM sensor_readings ORDER BY timestamp DESC LIMIT 1
            """)
        try Self.expectRepeatRefused(connection)
    }

    @Test func indexesBuiltConcurrentlyBeforehandAreAttachedNotRebuilt() async throws {
        let (_, connection, runner) = try await Self.databaseBeforeFolding()
        defer { connection.close() }
        let before = try Self.readingsDigest(connection)
        // The README's path: one CREATE UNIQUE INDEX CONCURRENTLY per partition, outside any transaction.
        for partition in ["sensor_readings_p20260301", "sensor_readings_p20260302"] {
            try connection.execute("""
                CREATE UNIQUE INDEX CONCURRENTLY \(partition)_device_ts_sensor
                ON \(partition) (device_id, timestamp DESC, sensor_type_id)
                """)
        }
        try runner.migrate(connection)
        #expect(try Self.readingsDigest(connection) == before)

        let attached = try TestDatabase.column(connection, """
            SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = 'idx_sensor_readings_device_timestamp'::regclass ORDER BY 1
            """)
        #expect(attached == ["sensor_readings_p20260301_device_ts_sensor", "sensor_readings_p20260302_device_ts_sensor"])
        #expect(try TestDatabase.value(connection, "SELECT indisvalid FROM pg_index WHERE indexrelid = 'idx_sensor_readings_device_timestamp'::regclass") == "t")
        try Self.expectRepeatRefused(connection)
    }
}
