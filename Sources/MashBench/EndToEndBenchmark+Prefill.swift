// `mash-bench e2e --prefill N`: does the gateway's cost stay flat as sensor_readings grows?
//
// After the end-to-end phases on the empty table, the same run loads N rows spread over the retention
// window's daily partitions (server-side generate_series, two connections, the benchmark's devices and
// sensors), then publishes the same number of readings as the first phase again and prints:
// The load ends with VACUUM (ANALYZE) and a CHECKPOINT, so neither autovacuum nor the load's dirty pages
// run during the measurement.
//   - readings/s into the prefilled table against the empty-table figure of the same run (target ≥ 0.9×);
//   - PostgreSQL CPU per row of the gateway's writers in both;
//   - p50/p99 of the seed's typical reads, as an application sends them (parameters, one connection):
//     "last hour of one device" and "latest value of each sensor of a device" (target p99 ≤ 5 ms).
import Dispatch
import Foundation
import GatewayConfig
import MQTT
import Postgres
import TestSupport
import WallTime

extension EndToEndBenchmark {
    /// What the prefill phase needs from the run around it.
    struct PrefillRun {
        let rows: Int
        let cluster: TestPostgres
        let database: String
        let setup: PostgresConnection
        let publisher: MQTTClient
        let broker: TestBroker
        let keys: [String]
        let readings: Int
        let devices: Int
        let gatewayPID: Int32
        let writerPIDs: [Int32]
        let emptyRate: Double
        let emptyBackendMicros: Double
    }

    /// The sensors the benchmark's messages carry, so prefilled rows are those a device really has.
    static let prefillSensors = ["co2", "humidity", "pressure", "temperature"]

    /// Days back from today that hold prefilled rows: inside the default retention (365), clear of its edge.
    static let prefillDays = 360

    /// Loads `run.rows`, measures the same phase again, then the reads; returns the lines to print.
    static func prefillPhase(_ run: PrefillRun) async throws -> String {
        print("e2e: prefilling \(run.rows) rows over \(prefillDays) daily partitions…")
        let clock = ContinuousClock()
        let loadBegan = clock.now
        try prefill(run)
        _ = try run.cluster.psql("CHECKPOINT", database: "postgres")
        let loadSeconds = seconds(clock.now - loadBegan)
        let size = try run.setup.execute("""
            SELECT pg_size_pretty(sum(pg_total_relation_size(inhrelid))) FROM pg_inherits WHERE inhparent = 'sensor_readings'::regclass
            """).rows[0][0] ?? "?"
        print("e2e: prefilled in \(String(format: "%.0f", loadSeconds)) s (\(size) with indexes); measuring again…")

        // The same phase as the first, a day earlier than now: its partition holds prefilled rows too.
        let messages = run.readings / 4
        let base = (Int64(Date().timeIntervalSince1970) - 86_400) * 1000
        let window = (from: base, to: base + Int64(messages / run.devices + 1) * 1000)
        let before = try countRows(run.setup, window)
        let backendCPU0 = run.writerPIDs.compactMap(CopyBenchmark.cpuTicks).reduce(0, +)
        let began = clock.now
        for i in 0..<messages {
            let ts = base + Int64(i / run.devices) * 1000
            _ = try run.publisher.publish(
                topic: run.keys[i % run.devices],
                payload: #"{"ts":\#(ts),"readings":{"temperature":\#(20 + i % 10).5,"humidity":\#(40 + i % 20),"pressure":\#(1000 + i % 30).25,"co2":\#(400 + i % 200)}}"#,
                qos: .atLeastOnce)
        }
        try await waitForRows(before + run.readings, in: window, setup: run.setup, broker: run.broker)
        let elapsed = clock.now - began
        let backendCPU1 = run.writerPIDs.compactMap(CopyBenchmark.cpuTicks).reduce(0, +)
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let rate = Double(run.readings) / seconds(elapsed)
        let backendMicros = Double(backendCPU1 - backendCPU0) / ticks * 1e6 / Double(run.readings)

        let lastHourSQL = """
            SELECT sensor_type_id, timestamp, value FROM sensor_readings
            WHERE device_id = $1 AND timestamp >= $2::timestamp ORDER BY timestamp DESC
            """
        let latestSQL = """
            SELECT s.name, r.value, r.timestamp FROM sensor_types s
            CROSS JOIN LATERAL (
                SELECT value, timestamp FROM sensor_readings
                WHERE device_id = $1 AND sensor_type_id = s.id ORDER BY timestamp DESC LIMIT 1
            ) r
            WHERE s.name IN (\(prefillSensors.map { "'\($0)'" }.joined(separator: ", ")))
            """
        let lastHour = try readLatencies(run, sql: lastHourSQL, lastHour: true, prepared: false)
        let lastHourPrepared = try readLatencies(run, sql: lastHourSQL, lastHour: true, prepared: true)
        let latest = try readLatencies(run, sql: latestSQL, lastHour: false, prepared: false)
        let latestPrepared = try readLatencies(run, sql: latestSQL, lastHour: false, prepared: true)
        return """

              prefilled \(run.rows) rows over \(prefillDays) daily partitions (\(size); loaded in \(String(format: "%.0f", loadSeconds)) s)
                empty table         \(format(run.emptyRate)) readings/s   PostgreSQL CPU \(String(format: "%.2f", run.emptyBackendMicros)) µs/row
                prefilled           \(format(rate)) readings/s   PostgreSQL CPU \(String(format: "%.2f", backendMicros)) µs/row
                prefilled/empty     \(String(format: "%.2f", rate / run.emptyRate))× readings/s, \(String(format: "%.2f", backendMicros / max(run.emptyBackendMicros, 0.001)))× PostgreSQL CPU per row
                last hour of one device                   \(lastHour)
                  prepared                                \(lastHourPrepared)
                latest value of each sensor of a device   \(latest)
                  prepared                                \(latestPrepared)
                (one statement per query: planned each time; prepared: PREPARE once, then EXECUTE — the plan is cached,
                 as drivers that prepare do; a query without a time bound is planned over every partition)
            """
    }

    /// Inserts the rows day by day, on two connections (alternate days), each day in one statement.
    ///
    /// Keys never meet a published reading's: prefilled timestamps sit 500 µs past a whole millisecond.
    static func prefill(_ run: PrefillRun) throws {
        let today = Int64(Date().timeIntervalSince1970) / 86_400 * 86_400
        let days = (1...prefillDays).map { today - Int64($0) * 86_400 }
        for day in days {
            try run.setup.execute("SELECT mash_ensure_partition(to_timestamp($1::double precision) AT TIME ZONE 'UTC', 'day')", [String(day)])
        }
        let series = run.devices * prefillSensors.count
        let connections = 2
        let failure = Failure()
        let group = DispatchGroup()
        for c in 0..<connections {
            let connection = try PostgresConnection.connect(run.database, applicationName: "mash-bench-prefill")
            let job = PrefillJob(connection: connection) { connection in
                for (index, day) in days.enumerated() where index % connections == c {
                    let rows = run.rows / prefillDays + (index < run.rows % prefillDays ? 1 : 0)
                    let perSeries = max((rows + series - 1) / series, 1)
                    let step = 86_400_000_000 / perSeries
                    try connection.execute("""
                        WITH d AS (SELECT array_agg(id ORDER BY serial_number) AS a FROM devices WHERE device_type = 'bench'),
                             s AS (SELECT array_agg(id ORDER BY name) AS a FROM sensor_types WHERE name = ANY ($5::text[]))
                        INSERT INTO sensor_readings (device_id, sensor_type_id, value, timestamp)
                        SELECT d.a[1 + g % $2], s.a[1 + (g / $2) % $3], (g % 1000) / 10.0,
                               to_timestamp($1::double precision) AT TIME ZONE 'UTC'
                                 + (g / ($2 * $3)) * ($4::bigint * interval '1 microsecond') + interval '500 microseconds'
                        FROM d, s, generate_series(0, $6 - 1) g
                        """, [String(day), String(run.devices), String(prefillSensors.count), String(step),
                              "{\(prefillSensors.joined(separator: ","))}", String(rows)])
                    if index % 60 == c { print("e2e: prefill day \(index + 1) of \(prefillDays)") }
                }
            }
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                do { try job.body(job.connection) } catch { failure.record(error) }
                job.connection.close()
            }
        }
        group.wait()
        if let error = failure.error { throw error }
        // As autovacuum would have left a table that grew over a year: visibility map set, statistics
        // current. Without it, autovacuum visits all the partitions during the measurement.
        try run.setup.execute("VACUUM (ANALYZE) sensor_readings")
    }

    /// One prefill connection and the work it does, handed to its thread.
    final class PrefillJob: @unchecked Sendable {
        let connection: PostgresConnection
        let body: (PostgresConnection) throws -> Void
        init(connection: PostgresConnection, body: @escaping (PostgresConnection) throws -> Void) {
            self.connection = connection
            self.body = body
        }
    }

    final class Failure: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var error: (any Error)?
        func record(_ error: any Error) { lock.lock(); defer { lock.unlock() }; if self.error == nil { self.error = error } }
    }

    /// Rows with a timestamp in `window` (Unix ms, half open): one partition, so the count stays cheap.
    static func countRows(_ setup: PostgresConnection, _ window: (from: Int64, to: Int64)) throws -> Int {
        let sql = """
            SELECT count(*) FROM sensor_readings
            WHERE timestamp >= to_timestamp($1::double precision / 1000) AT TIME ZONE 'UTC'
              AND timestamp < to_timestamp($2::double precision / 1000) AT TIME ZONE 'UTC'
            """
        return Int(try setup.execute(sql, [String(window.from), String(window.to)])[0, "count"] ?? "0") ?? 0
    }

    /// Waits for `target` rows in `window`; fails (instead of hanging) when the count stops moving for 30 s.
    static func waitForRows(_ target: Int, in window: (from: Int64, to: Int64), setup: PostgresConnection, broker: TestBroker) async throws {
        try await waitForRows(target, broker: broker) { try countRows(setup, window) }
    }

    /// p50/p99/max client-side wall time of `sql` for 500 random bench devices (after 50 to warm up),
    /// with `$1` the device and, when `lastHour`, `$2` an hour ago. `prepared`: PREPARE once on the
    /// connection, then EXECUTE with the values as literals (a device id is a UUID read from the table).
    static func readLatencies(_ run: PrefillRun, sql: String, lastHour: Bool, prepared: Bool) throws -> String {
        let connection = try PostgresConnection.connect(run.database, applicationName: "mash-bench-reads")
        defer { connection.close() }
        if prepared {
            try connection.execute("PREPARE mash_bench_read(uuid\(lastHour ? ", timestamp" : "")) AS \(sql)")
        }
        let devices = try connection.execute("SELECT id FROM devices WHERE device_type = 'bench'").rows.compactMap { $0[0] }
        var generator = SystemRandomNumberGenerator()
        let clock = ContinuousClock()
        var samples: [Double] = []
        var rowsSeen = 0
        for i in 0..<550 {
            let device = devices.randomElement(using: &generator) ?? ""
            let hourAgo = DateTimeText.format((Int64(Date().timeIntervalSince1970) - 3600) * 1_000_000, fraction: .sixDigitsUnlessZero)
            let began = clock.now
            let rows = prepared
                ? try connection.execute("EXECUTE mash_bench_read('\(device)'\(lastHour ? ", '\(hourAgo)'" : ""))")
                : try connection.execute(sql, lastHour ? [device, hourAgo] : [device])
            let took = seconds(clock.now - began) * 1000
            if i >= 50 { samples.append(took); rowsSeen += rows.rows.count }
        }
        samples.sort()
        let p50 = samples[samples.count / 2]
        let p99 = samples[min(samples.count - 1, samples.count * 99 / 100)]
        return String(format: "p50 %.2f ms, p99 %.2f ms, max %.2f ms  (%d queries, %.0f rows each)",
                      p50, p99, samples.last ?? 0, samples.count, Double(rowsSeen) / Double(samples.count))
    }
}
