// `mash-bench backup`: how long `mash-gateway backup` and `mash-gateway restore` take, and how big the
// dump is, for a database of N readings spread over a week of daily partitions.
//
//   mash-bench backup [--readings 1000000]
//
// Starts a durable private PostgreSQL 15, fills it with SQL (not timed), then runs the built
// `mash-gateway` beside this binary (build it in the same configuration) as an operator would.
import Foundation
import TestSupport

enum BackupBenchmark {
    static let summary = "mash-gateway backup / restore wall time and dump size for N readings (--readings 1000000)"

    static func run(_ args: [String]) throws {
        let readings = args.firstIndex(of: "--readings").flatMap { args.indices.contains($0 + 1) ? Int(args[$0 + 1]) : nil } ?? 1_000_000
        let semaphore = DispatchSemaphore(value: 0)
        let outcome = EndToEndBenchmark.Box<Result<Void, any Error>>()
        Task {
            do {
                try await measure(readings: readings)
                outcome.value = .success(())
            } catch {
                outcome.value = .failure(error)
            }
            semaphore.signal()
        }
        semaphore.wait()
        try outcome.value!.get()
    }

    static func measure(readings: Int) async throws {
        print("backup: starting a durable PostgreSQL 15 and filling it with \(readings) readings…")
        let cluster = try await TestPostgres.start(durable: true)
        defer { Task { await cluster.stop() } }
        let source = try await cluster.migratedDatabase()
        let sourceName = String(source.split(separator: "/").last!)
        _ = try cluster.psql("""
            SET ROLE \(TestPostgres.owner);
            SELECT mash_ensure_partition(date_trunc('day', now() AT TIME ZONE 'UTC') - make_interval(days => d), 'day') FROM generate_series(0, 6) d;
            INSERT INTO devices (name, device_type, serial_number) SELECT 'bench-' || g, 'bench', 'bench-' || g FROM generate_series(1, 250) g;
            INSERT INTO sensor_readings (device_id, sensor_type_id, value, timestamp, metadata)
            SELECT d.id, s.id, (i % 100000) / 10.0,
                   date_trunc('day', now() AT TIME ZONE 'UTC') - interval '6 days' + make_interval(secs => (i / 1000) * 0.6048),
                   CASE WHEN i % 10 = 0 THEN '{"fw":"1.4.2"}'::jsonb ELSE '{}'::jsonb END
            FROM generate_series(0, \(readings - 1)) i
            JOIN devices d ON d.serial_number = 'bench-' || (1 + (i % 1000) / 4)
            JOIN sensor_types s ON s.name = (ARRAY['temperature', 'humidity', 'pressure', 'co2'])[1 + i % 4];
            ANALYZE;
            """, database: sourceName)
        let stored = try cluster.psql("SELECT count(*), pg_size_pretty(pg_database_size(current_database())) FROM sensor_readings", database: sourceName)
        print("backup: source holds \(stored.replacingOccurrences(of: "\t", with: " readings, database size "))")

        let folder = try Harness.makeDirectory("bench-backup")
        let dump = "\(folder)/mash.dump"
        let clock = ContinuousClock()
        let backupStart = clock.now
        let backup = try GatewayBinary.run(["backup", "--output", dump], environment: ["MASH_DATABASE_URL": source])
        let backupTime = clock.now - backupStart
        guard backup.status == 0 else { throw TestSupportError("backup failed: \(backup.output)") }
        let size = (try FileManager.default.attributesOfItem(atPath: dump)[.size] as? Int) ?? 0

        let target = try await cluster.createDatabase()
        let restoreStart = clock.now
        let restore = try GatewayBinary.run(["restore", "--input", dump, "--database", target])
        let restoreTime = clock.now - restoreStart
        guard restore.status == 0 else { throw TestSupportError("restore failed: \(restore.output)") }
        let restored = try cluster.psql("SELECT count(*) FROM sensor_readings", database: String(target.split(separator: "/").last!))

        print("backup:  \(readings) readings in \(format(backupTime)), dump \(size / 1_048_576) MiB (\(size / max(readings, 1)) bytes/reading)")
        print("restore: \(restored) readings in \(format(restoreTime)) (one transaction, indexes rebuilt, ANALYZE included)")
    }

    static func format(_ duration: Duration) -> String {
        String(format: "%.1f s", Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
    }
}
