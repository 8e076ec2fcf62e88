import Foundation
import Testing
import TestSupport

/// `mash-gateway backup` and `restore`: a dump of a working database restores into an empty one with
/// every row, the gateway runs on the copy, and a database that already has the tables is left alone.
@Suite("backup and restore", .timeLimit(.minutes(3)))
struct BackupRestoreTests {
    /// Tables compared row for row between the original and the restored database.
    static let tables = [
        "schema_migrations", "users", "sensor_types", "devices", "sensor_readings", "device_commands",
        "alerts", "notifications", "ingest_rejects",
    ]

    /// Every column of every reading, in one digest: equal digests mean equal tables.
    static let readingsChecksum = """
        SELECT md5(string_agg(concat_ws('|', id, device_id, sensor_type_id, value, quality_indicator, timestamp, metadata, created_at), ',' ORDER BY id))
        FROM sensor_readings
        """

    /// Whether `output` holds the owner's password (`mash-test`; the test folders' `/tmp/mash-tests` do not count).
    static func showsPassword(_ output: String) -> Bool {
        output.replacingOccurrences(of: "/mash-tests/", with: "/").contains(TestPostgres.ownerPassword)
    }

    static func counts(_ postgres: TestPostgres, _ database: String) throws -> [String: String] {
        var counts: [String: String] = [:]
        for table in tables { counts[table] = try postgres.psql("SELECT count(*) FROM \(table)", database: database) }
        return counts
    }

    /// A seeded database with a device, 6,000 readings over 6 daily partitions, commands, alerts and rejects.
    static func populatedDatabase(_ postgres: TestPostgres) async throws -> (url: String, name: String) {
        let url = try await postgres.migratedDatabase()
        let name = String(url.split(separator: "/").last!)
        // As the gateway's role, as the gateway would: partitions made by the superuser would be the superuser's.
        _ = try postgres.psql("""
            SET ROLE \(TestPostgres.owner);
            SELECT mash_ensure_partition(date_trunc('day', now() AT TIME ZONE 'UTC') - make_interval(days => d), 'day')
            FROM generate_series(0, 5) d;
            INSERT INTO devices (name, device_type, serial_number) VALUES ('Backup sensor', 'esp32', 'sn-backup');
            INSERT INTO sensor_readings (device_id, sensor_type_id, value, quality_indicator, timestamp, metadata)
            SELECT d.id, s.id, (i % 1000) / 10.0, CASE WHEN i % 7 = 0 THEN 'bad' ELSE 'good' END,
                   date_trunc('day', now() AT TIME ZONE 'UTC') - make_interval(days => i % 6) + make_interval(secs => i),
                   jsonb_build_object('n', i)
            FROM generate_series(1, 6000) i, devices d, sensor_types s
            WHERE d.serial_number = 'sn-backup' AND s.name = 'temperature';
            INSERT INTO device_commands (device_id, command_type, command_data, status)
            SELECT id, 'reboot', '{}', st FROM devices, unnest(ARRAY['completed', 'failed', 'timeout']) st WHERE serial_number = 'sn-backup';
            INSERT INTO alerts (device_id, alert_type, severity, title, message, resolved)
            SELECT id, 'threshold', 'high', 'hot', 'temperature above 80', true FROM devices WHERE serial_number = 'sn-backup';
            INSERT INTO ingest_rejects (received_at, topic, payload, reason, detail)
            VALUES (now() AT TIME ZONE 'UTC', 'devices/nobody/telemetry', '\\x7b7d', 'unknown_device', 'no device nobody');
            """, database: name)
        let partitions = try postgres.psql(
            "SELECT count(DISTINCT tableoid) FROM sensor_readings", database: name)
        #expect(partitions == "6", "readings spread over \(partitions) partitions")
        return (url, name)
    }

    @Test("a dump restores into an empty database with equal rows, and the gateway ingests into the copy")
    func roundTrip() async throws {
        let postgres = try await TestPostgres.shared()
        let (source, sourceName) = try await Self.populatedDatabase(postgres)
        let folder = try Harness.makeDirectory("backup")
        let config = "\(folder)/gateway.yaml"
        try "database: {url: \"\(source)\"}\n".write(toFile: config, atomically: true, encoding: .utf8)
        let dump = "\(folder)/mash.dump"
        let backup = try GatewayBinary.run(["backup", "--config", config, "--output", dump])
        #expect(backup.status == 0, "\(backup.output)")
        #expect(backup.output.contains("backup: wrote \(dump)"), "\(backup.output)")
        #expect(!Self.showsPassword(backup.output), "\(backup.output)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == ["gateway.yaml", "mash.dump"],
                "only the finished dump is left")

        let target = try await postgres.createDatabase()
        let targetName = String(target.split(separator: "/").last!)
        let restore = try GatewayBinary.run(["restore", "--input", dump, "--database", target])
        #expect(restore.status == 0, "\(restore.output)")
        #expect(!Self.showsPassword(restore.output), "\(restore.output)")
        let expected = try Self.counts(postgres, sourceName)
        #expect(expected["sensor_readings"] == "6000")
        #expect(try Self.counts(postgres, targetName) == expected)
        #expect(try postgres.psql(Self.readingsChecksum, database: targetName) == postgres.psql(Self.readingsChecksum, database: sourceName))

        // The copy is a working gateway database: the schema check passes and new readings land in it.
        let broker = try await TestBroker.start()
        let gateway = try GatewayProcess.start(config: try testGatewayConfig(mqttURL: broker.url, databaseURL: target))
        try await gateway.waitForLog("ingest ready")
        let device = try await MQTTProbe.connect(broker.url)
        defer { device.close() }
        _ = try device.publish("devices/sn-backup/telemetry", #"{"temperature": 42.5, "humidity": 40}"#)
        try await waitUntil("the new readings stored in the restored database") {
            (try? postgres.psql("SELECT count(*) FROM sensor_readings", database: targetName)) == "6002"
        }
        #expect(await gateway.terminate() == 0)
        #expect(try postgres.psql("SELECT count(*) FROM sensor_readings", database: sourceName) == "6000")
    }

    @Test("restore into a database that has the gateway's tables is refused with one line and changes nothing")
    func refusesANonEmptyDatabase() async throws {
        let postgres = try await TestPostgres.shared()
        let (source, sourceName) = try await Self.populatedDatabase(postgres)
        let folder = try Harness.makeDirectory("backup")
        let dump = "\(folder)/mash.dump"
        let backup = try GatewayBinary.run(["backup", "--output", dump], environment: ["MASH_DATABASE_URL": source])
        #expect(backup.status == 0, "\(backup.output)")
        // The target has changed since the dump: a restore would lose that, so it must not happen.
        _ = try postgres.psql("DELETE FROM alerts; INSERT INTO devices (name, device_type, serial_number) VALUES ('n', 'esp32', 'sn-new')", database: sourceName)
        let before = try Self.counts(postgres, sourceName)
        let checksum = try postgres.psql(Self.readingsChecksum, database: sourceName)

        let refused = try GatewayBinary.run(["restore", "--input", dump, "--database", source])
        #expect(refused.status == 65, "\(refused.output)")
        let lines = refused.output.split(separator: "\n")
        #expect(lines.count == 1, "\(refused.output)")
        #expect(refused.output.contains("already has the gateway's tables"), "\(refused.output)")
        #expect(!Self.showsPassword(refused.output), "\(refused.output)")
        #expect(try Self.counts(postgres, sourceName) == before)
        #expect(try postgres.psql(Self.readingsChecksum, database: sourceName) == checksum)

        // A file that is not a backup is refused the same way, before anything is touched.
        let notADump = "\(folder)/not-a-dump"
        try "hello".write(toFile: notADump, atomically: true, encoding: .utf8)
        let empty = try await postgres.createDatabase()
        let wrongFile = try GatewayBinary.run(["restore", "--input", notADump, "--database", empty])
        #expect(wrongFile.status == 65, "\(wrongFile.output)")
        #expect(try postgres.psql("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", database: String(empty.split(separator: "/").last!)) == "0")
    }

    @Test("backup into a missing folder is a usage error; an unreachable database is 69 and leaves no file")
    func failures() async throws {
        let folder = try Harness.makeDirectory("backup")
        let missing = try GatewayBinary.run(["backup", "--output", "\(folder)/absent/mash.dump"])
        #expect(missing.status == 64, "\(missing.output)")
        let down = try GatewayBinary.run(["backup", "--output", "\(folder)/mash.dump"],
                                        environment: ["MASH_DATABASE_URL": "postgres://mash:Unre4chable@127.0.0.1:1/mash"])
        #expect(down.status == 69, "\(down.output)")
        #expect(!down.output.contains("Unre4chable"), "\(down.output)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).isEmpty)
    }
}
