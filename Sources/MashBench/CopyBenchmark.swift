// `mash-bench copy`: readings/s and PostgreSQL backend CPU per row for the ingest writer's
// exactly-once modes — the raw binary COPY ceiling the end-to-end benchmark compares against.
//
//   mash-bench copy --database postgres://… [--rows 1000000] [--batch 5000] [--connections 1]
//                   [--mode plain|staging|optimistic] [--target leaf|parent] [--duplicates 0.0] [--truncate]
//   mash-bench copy --compare --database postgres://… (CopyBenchmark+Compare.swift: index layouts side by side)
//
// The database must be migrated (0003 included). Batches are built before the clock starts, so the
// numbers are the database side: wall time of the writes, and the backends' CPU read from
// /proc/<pg_backend_pid()>/stat (the server must run on this machine; otherwise "n/a").
// --truncate empties sensor_readings first (bench databases only). --target parent sends every COPY
// through the partitioned parent (tuple routing) instead of the leaf a batch falls in.
// --duplicates F re-sends a fraction F of each batch's rows in a later batch (redelivery).
import Foundation
import GatewayConfig
import Ingest
import Postgres

enum CopyBenchmark {
    static let summary = "sensor_readings COPY rows/s and server CPU/row: plain | staging | optimistic, leaf | parent; --compare: index layouts (--database URL)"

    static func run(_ args: [String]) throws {
        func option(_ name: String) -> String? {
            guard let i = args.firstIndex(of: name), i + 1 < args.count else { return nil }
            return args[i + 1]
        }
        guard let url = option("--database") else {
            print("copy: --database URL is required")
            exit(2)
        }
        let rows = option("--rows").flatMap { Int($0) } ?? 1_000_000
        let batchSize = option("--batch").flatMap { Int($0) } ?? 5000
        if args.contains("--compare") {
            try compare(url: url, rows: rows, batchSize: batchSize, repeats: option("--repeat").flatMap { Int($0) } ?? 1)
            return
        }
        let connections = max(1, option("--connections").flatMap { Int($0) } ?? 1)
        let mode = option("--mode").flatMap(ExactlyOnceMode.init(rawValue:)) ?? .optimistic
        let target = option("--target").flatMap(CopyTarget.init(rawValue:)) ?? .leaf
        let duplicates = option("--duplicates").flatMap { Double($0) } ?? 0

        let setup = try PostgresConnection.connect(url, applicationName: "mash-bench-setup")
        if args.contains("--truncate") { try setup.execute("TRUNCATE sensor_readings") }
        let (deviceIDs, sensorIDs) = try prepareKeys(setup)
        let settings = try setup.execute("SELECT current_setting('fsync'), current_setting('synchronous_commit'), current_setting('shared_buffers')").rows[0]
        setup.close()

        let start = Int64(Date().timeIntervalSince1970 * 1_000_000) - 3_600_000_000
        let work = makeBatches(rows: rows, batchSize: batchSize, connections: connections, duplicates: duplicates,
                               deviceIDs: deviceIDs, sensorIDs: sensorIDs, start: start)
        let m = try measure(url: url, work: work, mode: mode, target: target, start: start)
        print("copy: mode=\(mode.rawValue) target=\(target.rawValue) rows=\(rows) batch=\(batchSize) connections=\(connections) duplicates=\(duplicates)"
              + " fsync=\(settings[0] ?? "?") synchronous_commit=\(settings[1] ?? "?") shared_buffers=\(settings[2] ?? "?")")
        print(String(format: "  %.0f rows/s (%.2f s), inserted %d, duplicates skipped %d, failed batches %d",
                     m.rowsPerSecond, m.seconds, m.inserted, m.duplicates, m.failures))
        if let cpu = m.cpuMicrosPerRow {
            print(String(format: "  server CPU: %.2f µs/row (%d backend(s))", cpu, connections))
        } else {
            print("  server CPU: n/a (backend not on this machine)")
        }
    }

    static let devices = 1000
    static let sensors = 4

    /// Registers the benchmark's devices and sensor types (once) and returns their ids.
    static func prepareKeys(_ setup: PostgresConnection) throws -> ([(UInt64, UInt64)], [(UInt64, UInt64)]) {
        try setup.execute("""
            INSERT INTO devices (name, device_type, serial_number)
            SELECT 'bench-' || g, 'bench', 'bench-' || g FROM generate_series(1, \(devices)) g
            ON CONFLICT (serial_number) DO NOTHING
            """)
        try setup.execute("""
            INSERT INTO sensor_types (name, unit)
            SELECT 'bench_' || g, 'u' FROM generate_series(1, \(sensors)) g ON CONFLICT (name) DO NOTHING
            """)
        let deviceIDs = try setup.execute("SELECT id FROM devices WHERE device_type = 'bench' ORDER BY serial_number").rows.compactMap { $0[0].flatMap(halves) }
        let sensorIDs = try setup.execute("SELECT id FROM sensor_types WHERE name LIKE 'bench\\_%' ORDER BY name").rows.compactMap { $0[0].flatMap(halves) }
        return (deviceIDs, sensorIDs)
    }

    /// Rows: unique (device, sensor, ts), time moving forward from `start`, spread over the connections.
    /// Built before the clock starts, so the numbers are the database side.
    static func makeBatches(
        rows: Int, batchSize: Int, connections: Int, duplicates: Double,
        deviceIDs: [(UInt64, UInt64)], sensorIDs: [(UInt64, UInt64)], start: Int64
    ) -> [[ReadingBatch]] {
        let perConnection = rows / connections
        var work: [[ReadingBatch]] = []
        let metadata = Array(#"{"fw":"1.4.2"}"#.utf8)
        for c in 0..<connections {
            var batches: [ReadingBatch] = []
            var batch = ReadingBatch(capacity: batchSize)
            var pendingRepeat: [Int] = []
            func add(_ i: Int) {
                let key = i % (devices * sensors)
                let ts = start + Int64(i / (devices * sensors)) * 1000
                _ = metadata.withUnsafeBytes { meta in
                    batch.append(deviceID: deviceIDs[key % devices], sensorTypeID: sensorIDs[key / devices],
                                 scaledValue: Int64(i % 1_000_000) * 37, quality: nil, timestampMicros: ts,
                                 metadata: i % 10 == 0 ? meta : nil)
                }
            }
            for n in 0..<perConnection {
                let i = c * perConnection + n
                add(i)
                if duplicates > 0, Double(n % 1000) < duplicates * 1000 { pendingRepeat.append(i) }
                if batch.readingCount >= batchSize {
                    batch.seal()
                    batches.append(batch)
                    batch = ReadingBatch(capacity: batchSize)
                    // Redelivered rows of the batch just closed land in the next one.
                    for r in pendingRepeat { add(r) }
                    pendingRepeat.removeAll()
                }
            }
            if !batch.isEmpty { batch.seal(); batches.append(batch) }
            work.append(batches)
        }
        return work
    }

    struct Measurement {
        var rowsPerSecond: Double
        var seconds: Double
        var inserted: Int
        var duplicates: Int
        var failures: Int
        /// Backend utime+stime per row written; nil when the server is not on this machine.
        var cpuMicrosPerRow: Double?
    }

    /// Writes `work` (one list of batches per connection, each on its own thread) and measures it.
    static func measure(url: String, work: [[ReadingBatch]], mode: ExactlyOnceMode, target: CopyTarget, start: Int64) throws -> Measurement {
        let writers = try work.indices.map { _ in
            try BatchWriter.connect(url: url, partitions: PartitionSettings(interval: .day), mode: mode, target: target, applicationName: "mash-bench-copy")
        }
        defer { writers.forEach { $0.connection.close() } }
        for w in writers { _ = try w.premakePartitions(now: start) }
        for (w, batches) in zip(writers, work) {
            var manager = w.partitions
            _ = try manager.ensure(days: batches.flatMap(\.days), on: w.connection)
        }
        let pids = try writers.map { Int32(try $0.connection.execute("SELECT pg_backend_pid()").rows[0][0] ?? "0") ?? 0 }
        let cpuBefore = pids.map(cpuTicks)

        let totals = Totals()
        let clock = ContinuousClock()
        let began = clock.now
        let group = DispatchGroup()
        for (writer, batches) in zip(writers, work) {
            group.enter()
            let job = Job(writer: writer, batches: batches, totals: totals)
            Thread.detachNewThread {
                job.run()
                group.leave()
            }
        }
        group.wait()
        let elapsed = clock.now - began
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let cpuAfter = pids.map(cpuTicks)
        let (inserted, dups, failures) = totals.read()

        let ticks = sysconf(Int32(_SC_CLK_TCK))
        let cpu: Double? = zip(cpuBefore, cpuAfter).reduce(Optional(0.0)) { sum, pair in
            guard let sum, let b = pair.0, let a = pair.1 else { return nil }
            return sum + Double(a - b) / Double(ticks)
        }
        return Measurement(rowsPerSecond: Double(inserted + dups) / seconds, seconds: seconds, inserted: inserted, duplicates: dups,
                           failures: failures, cpuMicrosPerRow: cpu.map { $0 * 1e6 / Double(max(inserted + dups, 1)) })
    }

    final class Totals: @unchecked Sendable {
        private let lock = NSLock()
        private var inserted = 0, duplicates = 0, failures = 0
        func add(_ r: BatchWriteResult?) {
            lock.lock(); defer { lock.unlock() }
            if let r { inserted += r.inserted; duplicates += r.duplicates } else { failures += 1 }
        }
        func read() -> (Int, Int, Int) { lock.lock(); defer { lock.unlock() }; return (inserted, duplicates, failures) }
    }

    final class Job: @unchecked Sendable {
        let writer: BatchWriter
        let batches: [ReadingBatch]
        let totals: Totals
        init(writer: BatchWriter, batches: [ReadingBatch], totals: Totals) {
            self.writer = writer
            self.batches = batches
            self.totals = totals
        }
        func run() {
            for batch in batches {
                do { totals.add(try writer.write(batch)) } catch {
                    print("  write failed: \(error)")
                    totals.add(nil)
                }
            }
        }
    }

    /// utime + stime of a process in clock ticks, from /proc/<pid>/stat.
    static func cpuTicks(_ pid: Int32) -> Int? {
        // /proc files report size 0: read them with plain read(2).
        let fd = open("/proc/\(pid)/stat", O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = read(fd, &buffer, buffer.count)
        guard count > 0 else { return nil }
        let text = String(decoding: buffer[0..<count], as: UTF8.self)
        guard let paren = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: paren)...].split(separator: " ")
        // After the command: state is field 3; utime and stime are fields 14 and 15.
        guard fields.count > 13, let user = Int(fields[11]), let system = Int(fields[12]) else { return nil }
        return user + system
    }

    static func halves(_ text: String) -> (UInt64, UInt64)? {
        let hex = text.replacingOccurrences(of: "-", with: "")
        guard hex.count == 32, let high = UInt64(hex.prefix(16), radix: 16), let low = UInt64(hex.suffix(16), radix: 16) else { return nil }
        return (high, low)
    }
}
