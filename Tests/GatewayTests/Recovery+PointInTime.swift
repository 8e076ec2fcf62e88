import Foundation
import Testing
import TestSupport

/// The README's point-in-time recovery runbook, followed on a private cluster: WAL archiving, a base
/// backup, readings before and after a noted time, recovery to that time on a fresh data directory.
@Suite("point-in-time recovery", .timeLimit(.minutes(3)))
struct PointInTimeRecoveryTests {
    /// Inserts `count` readings tagged `batch` for sn-pitr, as the gateway's role, in one transaction.
    static func ingest(_ cluster: TestPostgres, _ database: String, batch: String, count: Int, offset: Int) throws {
        _ = try cluster.psql("""
            SET ROLE \(TestPostgres.owner);
            INSERT INTO sensor_readings (device_id, sensor_type_id, value, timestamp, metadata)
            SELECT d.id, s.id, i, date_trunc('hour', now() AT TIME ZONE 'UTC') + make_interval(secs => i), jsonb_build_object('batch', '\(batch)')
            FROM generate_series(\(offset + 1), \(offset + count)) i, devices d, sensor_types s
            WHERE d.serial_number = 'sn-pitr' AND s.name = 'temperature';
            """, database: database)
    }

    @Test("recovering to a noted time finds exactly the readings committed before it")
    func recoverToNotedTime() async throws {
        let cluster = try await TestPostgres.start()
        let archive = try Harness.makeDirectory("wal-archive")
        // Runbook step 1: archive every WAL segment (and let pg_basebackup connect for replication).
        let settings = FileHandle(forWritingAtPath: "\(cluster.dataDirectory)/postgresql.conf")!
        settings.seekToEndOfFile()
        settings.write(Data("""

            wal_level = replica
            archive_mode = on
            archive_command = 'test ! -f \(archive)/%f && cp %p \(archive)/%f'
            archive_timeout = 60

            """.utf8))
        try settings.close()
        let hba = FileHandle(forWritingAtPath: "\(cluster.dataDirectory)/pg_hba.conf")!
        hba.seekToEndOfFile()
        hba.write(Data("local replication all trust\n".utf8))
        try hba.close()
        try await cluster.restart()

        let url = try await cluster.migratedDatabase()
        let database = String(url.split(separator: "/").last!)
        _ = try cluster.psql("""
            SET ROLE \(TestPostgres.owner);
            INSERT INTO devices (name, device_type, serial_number) VALUES ('PITR sensor', 'esp32', 'sn-pitr');
            SELECT mash_ensure_partition(now() AT TIME ZONE 'UTC', 'day');
            SELECT mash_ensure_partition(now() AT TIME ZONE 'UTC' + interval '1 day', 'day');
            """, database: database)
        try Self.ingest(cluster, database, batch: "before-base", count: 100, offset: 0)

        // Runbook step 2: a base backup.
        let restored = try Harness.makeDirectory("pitr-restored")
        let base = try runCommand(
            "\(TestPostgres.binDirectory)/pg_basebackup",
            ["-h", cluster.directory, "-p", "\(cluster.port)", "-U", TestPostgres.superuser,
             "-D", "\(restored)/data", "-Fp", "-X", "stream", "-c", "fast"],
            asUser: Harness.serviceUser)
        #expect(base.status == 0, "\(base.output)")

        try Self.ingest(cluster, database, batch: "after-base", count: 200, offset: 100)
        let noted = try cluster.psql(
            "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'", database: database)
        try Self.ingest(cluster, database, batch: "after-noted-time", count: 300, offset: 300)
        #expect(try cluster.psql("SELECT count(*) FROM sensor_readings", database: database) == "600")
        // The last readings' WAL must reach the archive before the server is lost.
        let segment = try cluster.psql("SELECT pg_walfile_name(pg_switch_wal())", database: database)
        try await waitUntil("WAL segment \(segment) archived") {
            let archived = try cluster.psql("SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver", database: database)
            return archived >= segment
        }
        await cluster.stop()

        // Runbook step 3: the base backup, the archive as restore_command, the noted time as the target.
        let recovery = FileHandle(forWritingAtPath: "\(restored)/data/postgresql.conf")!
        recovery.seekToEndOfFile()
        recovery.write(Data("""

            archive_mode = off
            restore_command = 'cp \(archive)/%f %p'
            recovery_target_time = '\(noted)'
            recovery_target_action = 'promote'

            """.utf8))
        try recovery.close()
        let signal = try runCommand("/usr/bin/touch", ["\(restored)/data/recovery.signal"], asUser: Harness.serviceUser)
        #expect(signal.status == 0, "\(signal.output)")
        let recovered = try await TestPostgres.open(directory: restored)
        try await waitUntil("recovery to \(noted) finished and the server promoted", timeout: .seconds(60)) {
            (try? recovered.psql("SELECT pg_is_in_recovery()", database: database)) == "f"
        }
        let batches = try recovered.psql(
            "SELECT metadata->>'batch', count(*) FROM sensor_readings GROUP BY 1 ORDER BY 1", database: database)
        #expect(batches == "after-base\t200\nbefore-base\t100", "\(batches)")
        await recovered.stop()
    }
}
