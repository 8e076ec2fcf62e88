import Foundation
import Postgres
import TestSupport

/// One chaos run: the servers, the gateway, the fleet, the faults, then the drain and the account.
///
/// Faults are injected one at a time: each waits for the previous one's recovery (a reading
/// published after it is stored) plus a seeded quiet gap. A gateway that exits by itself, or
/// ingestion that does not resume within two minutes, ends the run with an error (and the log tail).
final class ChaosRun: Sendable {
    let options: ChaosBenchmark.Options
    /// The gateway's `ingest.spool_max_mb`: its minimum, so the spool fault fills it in seconds.
    static let spoolMegabytes = 1
    /// How long ingestion may take to resume after a fault before the run fails.
    static let recoveryLimit = Duration.seconds(120)

    init(options: ChaosBenchmark.Options) {
        self.options = options
    }

    func run() async throws -> ChaosTally {
        say("chaos: starting a private mosquitto and a durable PostgreSQL 15…")
        let broker = try await TestBroker.start()
        let cluster = try await TestPostgres.start(durable: true)
        let databaseURL = try await cluster.migratedDatabase()
        let setup = try PostgresConnection.connect(databaseURL)
        try setup.execute("""
            INSERT INTO devices (name, device_type, serial_number, user_id)
            SELECT 'chaos-' || lpad(g::text, 4, '0'), 'chaos', 'chaos-' || lpad(g::text, 4, '0'),
                   (SELECT id FROM users WHERE email = 'admin@localhost')
            FROM generate_series(1, \(options.devices)) g
            """)
        setup.close()
        let httpPort = try freeLoopbackPort()
        let config = try gatewayConfig(brokerURL: broker.url, databaseURL: databaseURL, httpPort: httpPort)
        var gateway = try GatewayProcess.start(config: config)
        try await gateway.waitForLog("ingest ready", timeout: .seconds(60))
        try await gateway.waitForLog("alerts ready", timeout: .seconds(60))
        try await gateway.waitForLog("commands ready", timeout: .seconds(60))

        let clock = ContinuousClock()
        let began = clock.now
        let schedule = ChaosSchedule(devices: options.devices, startMillis: Self.nowMillis())
        let ledger = ChaosLedger()
        let fleet = try ChaosFleet(devices: options.devices, rate: options.rate, schedule: schedule, ledger: ledger, brokerURL: broker.url)
        try await fleet.start()
        let commander = ChaosCommander(databaseURL: databaseURL, devices: options.devices, seed: options.seed, ledger: ledger)
        let commanding = Task { await commander.run() }
        say("chaos: \(options.devices) devices, \(Int(options.rate)) readings/s, \(options.minutes) min, seed \(options.seed); gateway pid \(gateway.process.pid)")

        var tally = ChaosTally()
        var plan = ChaosPlan(seed: options.seed)
        let duration = Duration.milliseconds(Int64(options.minutes * 60_000))
        let probe = ChaosProbe(databaseURL: databaseURL)
        do {
            while true {
                let (wait, fault) = plan.next()
                guard clock.now - began + wait < duration else { break }
                try await Task.sleep(for: wait)
                guard gateway.process.isRunning else {
                    throw TestSupportError("the gateway exited by itself (status \(gateway.process.exitStatus ?? -1)); log tail:\n\(gateway.log.suffix(3000))")
                }
                let at = Self.seconds(clock.now - began)
                var note: String?
                let faultBegan = Self.nowMillis()
                let injected: Int64
                switch fault {
                case .gatewayKill:
                    injected = Self.nowMillis()
                    await gateway.kill()
                    gateway = try GatewayProcess.start(config: config)
                case .brokerRestart:
                    injected = Self.nowMillis()
                    try await broker.restart()
                case .databaseCrash:
                    injected = Self.nowMillis()
                    try await cluster.stopImmediately()
                    try await cluster.startAgain()
                case .spoolFull:
                    try await cluster.stopImmediately()
                    if !(await Self.waitForFullSpool(gateway: gateway, httpPort: httpPort, timeout: .seconds(120))) {
                        note = "the spool did not fill within 120 s"
                    }
                    // Held full for a moment: the writers wait, the ring and then the broker hold the rest.
                    try await Task.sleep(for: .seconds(2))
                    injected = Self.nowMillis()
                    try await cluster.startAgain()
                }
                let recovery = try await probe.recovery(after: injected, limit: Self.recoveryLimit) { gateway }
                tally.faults.append(ChaosFaultRecord(fault: fault, at: at, beganMillis: faultBegan, recoveredMillis: Self.nowMillis(),
                                                     recovery: recovery, note: note))
                say(String(format: "  %7.1f s  %@  recovered in %@%@", at, fault.rawValue,
                             recovery.map { String(format: "%.1f s", Self.seconds($0)) } ?? "— (not within 120 s)", note.map { "; \($0)" } ?? ""))
                if recovery == nil {
                    throw TestSupportError("ingestion did not resume within \(Self.recoveryLimit) after \(fault.rawValue); gateway log tail:\n\(gateway.log.suffix(3000))")
                }
            }
        } catch {
            commanding.cancel()
            fleet.close()
            _ = await gateway.terminate()
            await broker.stop()
            await cluster.stop()
            throw error
        }

        say("chaos: faults done after \(String(format: "%.0f", Self.seconds(clock.now - began))) s; draining…")
        commanding.cancel()
        await commanding.value
        await fleet.stopPublishing()
        tally.elapsed = clock.now - began
        tally.readingsRefused = fleet.refused.load(ordering: .relaxed)
        let connection = try PostgresConnection.connect(databaseURL)
        defer { connection.close() }
        try await Self.waitForDrain(connection: connection, acknowledged: ledger.acknowledgedCount)
        try await Self.waitForCommands(connection: connection)
        try tally.compare(ledger: ledger, schedule: schedule, connection: connection)
        fleet.close()
        tally.gatewayExitStatus = await gateway.terminate()
        await broker.stop()
        await cluster.stop()
        return tally
    }

    private func gatewayConfig(brokerURL: String, databaseURL: String, httpPort: Int) throws -> String {
        let rule = ChaosSchedule.rule
        return try testGatewayConfig(
            mqttURL: brokerURL, databaseURL: databaseURL, clientID: "mash-chaos",
            spoolDirectory: Harness.makeDirectory("chaos-spool"), httpPort: httpPort,
            extra: """
                commands:
                  poll_interval_s: 1
                alerts:
                  rules:
                    - name: \(rule.name)
                      sensor: \(rule.sensor)
                      above: \(rule.above)
                      hysteresis: \(rule.hysteresis)
                      for_s: 0
                      severity: high
                      auto_resolve: true
                """)
            .replacingOccurrences(of: "level: debug", with: "level: info")
            .replacingOccurrences(of: "ingest:\n", with: "ingest:\n  spool_max_mb: \(Self.spoolMegabytes)\n")
    }

    /// True once the gateway reports its spool full: the "spool full" log line, or `mash_spool_bytes`
    /// within 10 % of `mash_spool_max_bytes` on `/metrics`.
    static func waitForFullSpool(gateway: GatewayProcess, httpPort: Int, timeout: Duration) async -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            if gateway.log.contains("spool full") { return true }
            if let body = try? httpGet(port: httpPort, path: "/metrics").body,
               let bytes = metric("mash_spool_bytes", in: body), let max = metric("mash_spool_max_bytes", in: body),
               max > 0, bytes >= 0.9 * max {
                return true
            }
            try? await Task.sleep(for: .milliseconds(200))
        }
        return false
    }

    /// The value of an unlabelled metric in Prometheus text.
    static func metric(_ name: String, in text: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(name + " ") {
            return Double(line.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }

    /// Waits until every acknowledged reading can be stored: the count reaches the ledger's and
    /// holds still for 3 s, or stops moving for 30 s (then the comparison names what is missing).
    static func waitForDrain(connection: PostgresConnection, acknowledged: Int) async throws {
        let clock = ContinuousClock()
        var last = -1
        var since = clock.now
        while true {
            let count = Int(try connection.execute("SELECT count(*) FROM sensor_readings")[0, "count"] ?? "0") ?? 0
            if count != last {
                last = count
                since = clock.now
            } else if clock.now - since >= (count >= acknowledged ? .seconds(3) : .seconds(30)) {
                return
            }
            try await Task.sleep(for: .milliseconds(250))
        }
    }

    /// Waits (at most 2 minutes: a command's whole retry budget) until no command is pending, sent or acknowledged.
    static func waitForCommands(connection: PostgresConnection) async throws {
        try? await waitUntil("every command in a final state", timeout: .seconds(120), every: .milliseconds(250)) {
            try connection.execute("SELECT count(*) FROM device_commands WHERE status IN ('pending', 'sent', 'acknowledged')")[0, "count"] == "0"
        }
        // Let the alert worker catch up with the last readings before alerts are counted.
        try await Task.sleep(for: .seconds(3))
    }

    static func nowMillis() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    static func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
}
