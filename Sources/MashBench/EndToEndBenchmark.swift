// `mash-bench e2e`: the whole path — MQTT (QoS 1) → mash-gateway → PostgreSQL — on this machine,
// with the raw binary COPY ceiling of the same rows into the same table measured in the same run.
//
//   swift build -c release && .build/release/mash-bench e2e [--readings 1000000] [--devices 1000]
//                                                           [--latency-seconds 20] [--latency-rate 10000]
//                                                           [--convention esphome|tasmota] [--prefill N] [--interval-flush]
//
// Starts a private mosquitto (lossless settings) and a private PostgreSQL 15 with durable settings
// (fsync, synchronous_commit, full_page_writes on), runs the release `mash-gateway` beside this
// binary as a separate process, and prints:
//   - end-to-end readings/s: first publish → last row committed (4 readings per message, 1,000 devices);
//   - the gateway's own CPU per reading (utime+stime of its process) and its peak RSS;
//   - PostgreSQL backend CPU per row for the gateway's writers, and for a raw COPY of the same rows;
//   - publish → committed latency p50/p99 at a steady rate (created_at, the transaction's start, minus
//     the reading's ts, the publish time in ms);
//   - the raw COPY ceiling (2 connections, no MQTT) and the end-to-end/ceiling ratio;
//   - the machine's physical limit (EndToEndLimit.swift): the broker alone (the same messages to a bare
//     libmosquitto subscriber that only ACKs), raw COPY and the gateway's decode/encode floor, summed as CPU
//     per reading, and the end-to-end rate as a fraction of it;
//   - with --convention, a second throughput phase in the same run with the same number of readings in
//     that firmware's form (ESPHome: one value per message; Tasmota: tele/…/SENSOR, 4 per message), and
//     its readings/s and gateway CPU per reading beside the native form's;
//   - with --prefill N, the first phase again after loading N rows, and the seed's typical reads
//     (EndToEndBenchmark+Prefill.swift).
import Dispatch
import Foundation
import GatewayConfig
import Ingest
import Logging
import MQTT
import Postgres
import Telemetry
import TestSupport

enum EndToEndBenchmark {
    static let summary = "MQTT → gateway → PostgreSQL readings/s, CPU/reading, RSS, latency p50/p99, vs raw COPY ceiling"

    static func run(_ args: [String]) throws {
        func option(_ name: String) -> String? {
            guard let i = args.firstIndex(of: name), i + 1 < args.count else { return nil }
            return args[i + 1]
        }
        let readings = option("--readings").flatMap { Int($0) } ?? 1_000_000
        let devices = option("--devices").flatMap { Int($0) } ?? 1000
        let latencySeconds = option("--latency-seconds").flatMap { Int($0) } ?? 20
        let latencyRate = option("--latency-rate").flatMap { Int($0) } ?? 10_000
        let convention = option("--convention")
        let prefillRows = option("--prefill").flatMap { Int($0) } ?? 0
        // The flush as it was before `ingest.flush_when_writer_free` (size or interval only), for before/after runs.
        let intervalFlush = args.contains("--interval-flush")
        if let convention, !["esphome", "tasmota"].contains(convention) {
            print("e2e: --convention must be esphome or tasmota")
            exit(2)
        }
        let semaphore = DispatchSemaphore(value: 0)
        let outcome = Box<Result<Void, any Error>>()
        Task {
            do {
                try await measure(readings: readings, devices: devices, latencySeconds: latencySeconds, latencyRate: latencyRate,
                                  convention: convention, prefillRows: prefillRows, intervalFlush: intervalFlush)
                outcome.value = .success(())
            } catch {
                outcome.value = .failure(error)
            }
            semaphore.signal()
        }
        semaphore.wait()
        try outcome.value!.get()
    }

    final class Box<T>: @unchecked Sendable { var value: T? }

    static func measure(readings: Int, devices: Int, latencySeconds: Int, latencyRate: Int, convention: String?, prefillRows: Int = 0, intervalFlush: Bool = false) async throws {
        print("e2e: starting a private mosquitto and a durable PostgreSQL 15…")
        let broker = try await TestBroker.start()
        let cluster = try await TestPostgres.start(durable: true)
        let database = try await cluster.migratedDatabase()
        // The broker alone, before the gateway subscribes (so the broker delivers each message once).
        let brokerAlone = try await EndToEndLimit.brokerAlone(broker: broker, readings: readings, devices: devices)
        let setup = try PostgresConnection.connect(database)
        try setup.execute("""
            INSERT INTO devices (name, device_type, serial_number)
            SELECT 'bench-' || g, 'bench', 'bench-' || lpad(g::text, 5, '0') FROM generate_series(1, \(devices)) g
            """)
        let spool = try Harness.makeDirectory("bench-spool")
        let port = try freeLoopbackPort()
        let config = try testGatewayConfig(mqttURL: broker.url, databaseURL: database, clientID: "mash-bench", spoolDirectory: spool, httpPort: port)
            .replacingOccurrences(of: "level: debug", with: "level: info")
            .replacingOccurrences(of: "ingest:\n", with: "ingest:\n  conventions: [native, esphome, tasmota]\n" + (intervalFlush ? "  flush_when_writer_free: false\n" : ""))
        let gateway = try GatewayProcess.start(config: config, environment: ProcessInfo.processInfo.environment["MASH_BENCH_GATEWAY_ENV"].map { entry in Dictionary(uniqueKeysWithValues: entry.split(separator: ",").map { pair in let kv = pair.split(separator: "=", maxSplits: 1).map(String.init); return (kv[0], kv.count > 1 ? kv[1] : "") }) } ?? [:])
        try await gateway.waitForLog("ingest ready")
        let gatewayPID = gateway.process.pid

        let publisher = try MQTTClient(
            options: MQTTClient.Options(url: broker.url, clientID: "mash-bench-publisher", cleanSession: true, maxInflightMessages: 1000),
            logger: Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() }), onMessage: { _ in })
        try publisher.start()
        try await publisher.waitForConnection(timeout: .seconds(10))
        try await waitForSubscriptions(publisher: publisher, setup: setup)
        let keys = EndToEndLimit.topics(devices: devices)

        // Phase 1: throughput.
        let messages = readings / 4
        let base = (Int64(Date().timeIntervalSince1970) - 3 * 86_400) * 1000
        let writerPIDs = { () throws -> [Int32] in
            try setup.execute("SELECT pid FROM pg_stat_activity WHERE application_name LIKE 'mash-gateway writer%'").rows.compactMap { $0[0].flatMap { Int32($0) } }
        }
        let backends = try writerPIDs()
        let backendCPU0 = backends.compactMap(CopyBenchmark.cpuTicks).reduce(0, +)
        let cpu0 = CopyBenchmark.cpuTicks(gatewayPID) ?? 0
        let clock = ContinuousClock()
        let began = clock.now
        for i in 0..<messages {
            _ = try publisher.publish(topic: keys[i % devices], payload: EndToEndLimit.payload(i, devices: devices, base: base), qos: .atLeastOnce)
        }
        let published = clock.now - began
        try await waitForRows(readings, setup: setup, broker: broker)
        let elapsed = clock.now - began
        let cpu1 = CopyBenchmark.cpuTicks(gatewayPID) ?? 0
        let backendCPU1 = backends.compactMap(CopyBenchmark.cpuTicks).reduce(0, +)
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let e2eRate = Double(readings) / seconds(elapsed)
        let gatewayMicros = Double(cpu1 - cpu0) / ticks * 1e6 / Double(readings)
        let backendMicros = Double(backendCPU1 - backendCPU0) / ticks * 1e6 / Double(readings)

        // Phase 1b: the same number of readings in a device convention's own form.
        var conventionLine = ""
        if let convention {
            let cpuBefore = CopyBenchmark.cpuTicks(gatewayPID) ?? 0
            let conventionBegan = clock.now
            let sensors = ["temperature", "humidity", "pressure", "co2"]
            let serials = (1...devices).map { "bench-\(String(repeating: "0", count: 5 - String($0).count))\($0)" }
            let perMessage: Int
            if convention == "esphome" {
                perMessage = 1
                let topics = serials.map { serial in sensors.map { "\(serial)/sensor/\($0)/state" } }
                for i in 0..<readings {
                    _ = try publisher.publish(topic: topics[i % devices][(i / devices) % 4], payload: "\(20 + i % 10).5", qos: .atLeastOnce)
                }
            } else {
                perMessage = 4
                let topics = serials.map { "tele/\($0)/SENSOR" }
                let start = (Int64(Date().timeIntervalSince1970) - 2 * 86_400) * 1_000_000
                for i in 0..<(readings / 4) {
                    // Local time of a device without a timezone (UTC): the RFC 3339 form without its Z.
                    let time = TelemetryTime.formatRFC3339(start + Int64(i / devices) * 1_000_000).dropLast()
                    _ = try publisher.publish(
                        topic: topics[i % devices],
                        payload: #"{"Time":"\#(time)","BME280":{"Temperature":\#(20 + i % 10).5,"Humidity":\#(40 + i % 20),"Pressure":\#(1000 + i % 30).25},"SCD40":{"CO2":\#(400 + i % 200)},"TempUnit":"C"}"#,
                        qos: .atLeastOnce)
                }
            }
            try await waitForRows(2 * readings, setup: setup, broker: broker)
            let conventionElapsed = clock.now - conventionBegan
            let cpuAfter = CopyBenchmark.cpuTicks(gatewayPID) ?? 0
            let rate = Double(readings) / seconds(conventionElapsed)
            let micros = Double(cpuAfter - cpuBefore) / ticks * 1e6 / Double(readings)
            conventionLine = "\n  " + convention.padding(toLength: 19, withPad: " ", startingAt: 0)
                + "\(format(rate)) readings/s   gateway CPU \(String(format: "%.2f", micros)) µs/reading   (\(perMessage) per message, \(String(format: "%.1f", seconds(conventionElapsed))) s)"
                + "\n  native             \(format(e2eRate)) readings/s   gateway CPU \(String(format: "%.2f", gatewayMicros)) µs/reading   (4 per message)"
                + "\n  \(convention)/native    \(String(format: "%.2f", rate / e2eRate))× readings/s, \(String(format: "%.2f", micros / max(gatewayMicros, 0.001)))× gateway CPU per reading"
        }

        // Phase 2: latency at a steady rate.
        let latencyStart = Int64(Date().timeIntervalSince1970 * 1000)
        let perTick = Double(latencyRate) / 4 / 100   // messages per 10 ms
        var sent = 0.0
        var index = 0
        let steadyBegan = clock.now
        while clock.now - steadyBegan < .seconds(latencySeconds) {
            sent += perTick
            while Double(index) < sent {
                let ts = Int64(Date().timeIntervalSince1970 * 1000)
                _ = try publisher.publish(
                    topic: keys[index % devices],
                    payload: #"{"ts":\#(ts),"readings":{"temperature":21.5,"humidity":45,"pressure":1001.25,"co2":600}}"#,
                    qos: .atLeastOnce)
                index += 1
            }
            try await Task.sleep(until: steadyBegan + .milliseconds(10) * Int(sent / perTick), clock: clock)
        }
        let steadyReadings = index * 4
        let phaseOneRows = convention == nil ? readings : 2 * readings
        try await waitForRows(phaseOneRows + steadyReadings, setup: setup, broker: broker)
        let percentiles = try setup.execute("""
            SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::int, percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::int, max(ms)::int
            FROM (SELECT extract(epoch FROM created_at - timestamp) * 1000 AS ms FROM sensor_readings
                  WHERE timestamp >= to_timestamp($1::double precision / 1000) AT TIME ZONE 'UTC') t
            """, [String(latencyStart)]).rows[0]
        let rss = peakRSS(gatewayPID)
        let breakdown = residentBreakdown(gatewayPID)
        let prefillLines = prefillRows <= 0 ? "" : try await prefillPhase(PrefillRun(
            rows: prefillRows, cluster: cluster, database: database, setup: setup, publisher: publisher, broker: broker, keys: keys,
            readings: readings, devices: devices, gatewayPID: gatewayPID, writerPIDs: backends, emptyRate: e2eRate, emptyBackendMicros: backendMicros))
        publisher.stop()
        _ = await gateway.terminate()

        // Phase 3: the raw COPY ceiling, same rows, same table definition, same cluster, no MQTT.
        let raw = try await cluster.migratedDatabase()
        let (ceiling, rawBackendMicros) = try rawCopy(database: raw, readings: readings, devices: devices, connections: 2)

        let settings = try setup.execute("SELECT current_setting('fsync'), current_setting('synchronous_commit')").rows[0]
        setup.close()
        print("""

            mash-bench e2e — \(readings) readings (4 per message, \(devices) devices, QoS 1), one 2-core machine
            PostgreSQL: fsync=\(settings[0] ?? "?") synchronous_commit=\(settings[1] ?? "?"); writer connections 2, batch 5000, flush \(intervalFlush ? "at 5000 rows or 200 ms only" : "when a writer is free, 200 ms at most")
              end to end            \(format(e2eRate)) readings/s   (\(String(format: "%.1f", seconds(elapsed))) s; publisher done after \(String(format: "%.1f", seconds(published))) s)
              raw COPY ceiling      \(format(ceiling)) rows/s       (same rows, same table, 2 connections, no MQTT)
              ratio                 \(String(format: "%.2f", e2eRate / ceiling))
              gateway CPU           \(String(format: "%.2f", gatewayMicros)) µs/reading
              PostgreSQL CPU        \(String(format: "%.2f", backendMicros)) µs/row (gateway writers)  vs  \(String(format: "%.2f", rawBackendMicros)) µs/row (raw COPY): \(String(format: "%.2f", backendMicros / max(rawBackendMicros, 0.001)))×
              gateway peak RSS      \(rss.map { String(format: "%.1f MiB", Double($0) / 1024) } ?? "n/a")   (at the end: \(breakdown))
              latency at \(latencyRate)/s    p50 \(percentiles[0] ?? "?") ms, p99 \(percentiles[1] ?? "?") ms, max \(percentiles[2] ?? "?") ms  (publish → transaction start of the COPY that stored it)\(conventionLine)\(prefillLines)
            """)
        let costs = EndToEndLimit.Costs(broker: brokerAlone.broker, subscriber: brokerAlone.subscriber, publisher: brokerAlone.publisher,
                                        copy: rawBackendMicros, floor: EndToEndLimit.floor(readings: readings, devices: devices))
        print(EndToEndLimit.report(costs, brokerAloneRate: brokerAlone.rate, e2eRate: e2eRate, gatewayMicros: gatewayMicros))
        await broker.stop()
        await cluster.stop()
    }

    /// Waits for `target` rows in `sensor_readings`; fails (instead of hanging) when the count stops moving for 30 s.
    static func waitForRows(_ target: Int, setup: PostgresConnection, broker: TestBroker) async throws {
        try await waitForRows(target, broker: broker) {
            Int(try setup.execute("SELECT count(*) FROM sensor_readings")[0, "count"] ?? "0") ?? 0
        }
    }

    /// Returns once the gateway's broker subscriptions are in place.
    ///
    /// The gateway logs "ingest ready" before its MQTT connection is up and subscribed; the broker
    /// routes a message published before the SUBACK to nobody. The first readings of a run were
    /// lost that way (the e2e "stalls" at 399,900 of 400,000: exactly the first messages missing).
    /// A probe from a device that does not exist is stored as an `unknown_device` reject, so it
    /// proves the route without adding a row to `sensor_readings`.
    static func waitForSubscriptions(publisher: MQTTClient, setup: PostgresConnection) async throws {
        try await waitUntil("the gateway's subscriptions (a probe message in ingest_rejects)", timeout: .seconds(30), every: .milliseconds(100)) {
            _ = try publisher.publish(topic: "devices/mash-bench-probe/telemetry", payload: #"{"temperature":1}"#, qos: .atLeastOnce)
            return (Int(try setup.execute("SELECT count(*) FROM ingest_rejects")[0, "count"] ?? "0") ?? 0) > 0
        }
    }

    /// Waits until `count()` reaches `target`; fails (instead of hanging) when it stops moving for 30 s.
    static func waitForRows(_ target: Int, broker: TestBroker, count: () throws -> Int) async throws {
        var last = -1
        var lastChange = ContinuousClock.now
        while true {
            let count = try count()
            if count >= target { return }
            if count != last {
                last = count
                lastChange = .now
            } else if ContinuousClock.now - lastChange > .seconds(30) {
                throw TestSupportError("stalled at \(count) of \(target) rows; broker log:\n\(broker.log().suffix(1500))")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Rows/s and backend µs/row for binary COPY of the benchmark's rows into a fresh copy of the schema.
    static func rawCopy(database: String, readings: Int, devices: Int, connections: Int) throws -> (Double, Double) {
        let setup = try PostgresConnection.connect(database)
        defer { setup.close() }
        try setup.execute("""
            INSERT INTO devices (name, device_type, serial_number)
            SELECT 'bench-' || g, 'bench', 'bench-' || lpad(g::text, 5, '0') FROM generate_series(1, \(devices)) g
            """)
        let deviceIDs = try setup.execute("SELECT id FROM devices WHERE device_type = 'bench' ORDER BY serial_number").rows.compactMap { $0[0].flatMap(CopyBenchmark.halves) }
        let sensorIDs = try setup.execute("SELECT id FROM sensor_types WHERE name IN ('temperature','humidity','pressure','co2') ORDER BY name").rows.compactMap { $0[0].flatMap(CopyBenchmark.halves) }
        let base = (Int64(Date().timeIntervalSince1970) - 3 * 86_400) * 1_000_000
        var work: [[ReadingBatch]] = Array(repeating: [], count: connections)
        var batch = ReadingBatch(capacity: 5000)
        var target = 0
        for i in 0..<(readings / 4) {
            for s in 0..<4 {
                batch.append(deviceID: deviceIDs[i % devices], sensorTypeID: sensorIDs[s], scaledValue: Int64(200_000 + i % 100_000),
                             quality: nil, timestampMicros: base + Int64(i / devices) * 1_000_000, metadata: nil)
            }
            if batch.readingCount >= 5000 {
                batch.seal()
                work[target].append(batch)
                target = (target + 1) % connections
                batch = ReadingBatch(capacity: 5000)
            }
        }
        if !batch.isEmpty { batch.seal(); work[target].append(batch) }
        let writers = try (0..<connections).map { _ in
            try BatchWriter.connect(url: database, partitions: PartitionSettings(interval: .day), applicationName: "mash-bench-raw")
        }
        for (writer, batches) in zip(writers, work) {
            var manager = writer.partitions
            _ = try manager.ensure(days: batches.flatMap(\.days), on: writer.connection)
        }
        let pids = try writers.map { Int32(try $0.connection.execute("SELECT pg_backend_pid()").rows[0][0] ?? "0") ?? 0 }
        let cpu0 = pids.compactMap(CopyBenchmark.cpuTicks).reduce(0, +)
        let clock = ContinuousClock()
        let began = clock.now
        let group = DispatchGroup()
        for (writer, batches) in zip(writers, work) {
            let job = CopyBenchmark.Job(writer: writer, batches: batches, totals: CopyBenchmark.Totals())
            group.enter()
            Thread.detachNewThread {
                job.run()
                group.leave()
            }
        }
        group.wait()
        let elapsed = clock.now - began
        let cpu1 = pids.compactMap(CopyBenchmark.cpuTicks).reduce(0, +)
        writers.forEach { $0.connection.close() }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        return (Double(readings) / seconds(elapsed), Double(cpu1 - cpu0) / ticks * 1e6 / Double(readings))
    }

    static func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }

    static func format(_ rate: Double) -> String {
        let n = Int(rate.rounded())
        return String(n).reversed().enumerated().map { $0.offset > 0 && $0.offset % 3 == 0 ? "\($0.element)," : "\($0.element)" }.reversed().joined()
            .padding(toLength: 9, withPad: " ", startingAt: 0)
    }

    /// The resident set split as the kernel reports it: anonymous (heap, stacks) vs file-backed
    /// (the ring's shared mapping and the binary) — the ring's pages count as resident once touched.
    static func residentBreakdown(_ pid: Int32) -> String {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return "n/a" }
        return text.split(separator: "\n").filter { $0.hasPrefix("RssAnon:") || $0.hasPrefix("RssFile:") || $0.hasPrefix("RssShmem:") }
            .map { $0.split(separator: " ", omittingEmptySubsequences: true).prefix(2).joined(separator: " ") }.joined(separator: ", ") + " kB"
    }

    /// VmRSS: the process's resident set now, in KiB.
    static func residentKiB(_ pid: Int32) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        return text.split(separator: "\n").first { $0.hasPrefix("VmRSS:") }.flatMap { Int($0.split(separator: " ", omittingEmptySubsequences: true)[1]) }
    }

    /// VmHWM: the process's peak resident set, in KiB.
    static func peakRSS(_ pid: Int32) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        return text.split(separator: "\n").first { $0.hasPrefix("VmHWM:") }.flatMap { Int($0.split(separator: " ", omittingEmptySubsequences: true)[1]) }
    }
}
