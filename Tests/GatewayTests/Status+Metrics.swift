import Foundation
import Testing
import TestSupport

/// The metrics of the parts beside ingestion, and the ingest lag and spool as `/healthz` and
/// `/metrics` show them during a database outage: the real binary, broker and PostgreSQL.
@Suite("Operational metrics", .timeLimit(.minutes(4)))
struct OperationalMetricsTests {
    /// Every sample of `name` (labels included, e.g. `mash_commands{status="pending"}`) in a scrape.
    static func sample(_ name: String, port: Int) -> Double? {
        guard let body = try? httpGet(port: port, path: "/metrics").body else { return nil }
        return body.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
    }

    static func waitForSample(_ name: String, _ expected: Double, port: Int, timeout: Duration = .seconds(20)) async throws {
        try await waitUntil("\(name) = \(expected) (now \(sample(name, port: port).map { "\($0)" } ?? "absent"))", timeout: timeout) {
            sample(name, port: port) == expected
        }
    }

    @Test("commands: sends, retries, timeouts and what is pending; alerts: raised and open by severity")
    func commandAndAlertMetrics() async throws {
        let port = try freeLoopbackPort()
        let alerts = """
            alerts:
              rules:
                - name: hot
                  sensor: temperature
                  above: 80
                  severity: high

            """
        try await IngestFixture.with(extra: IngestFixture.controlConfig() + alerts, httpPort: port) { f in
            try await f.waitForControl()
            try await f.gateway.waitForLog("alerts ready")
            try await Self.waitForSample(#"mash_commands{status="pending"}"#, 0, port: port)
            try await Self.waitForSample(#"mash_alerts_open{severity="high"}"#, 0, port: port)

            // Never acknowledged: sent, re-sent once, then timed out.
            try await f.bringOnline()
            let id = try f.insertCommand(timeout: 1, maxRetries: 1)
            try await f.expectCommand(id, "status || ' ' || retry_count", "timeout 1", timeout: .seconds(10))
            try await Self.waitForSample("mash_command_sends_total", 2, port: port)
            #expect(Self.sample("mash_command_retries_total", port: port) == 1)
            #expect(Self.sample("mash_command_timeouts_total", port: port) == 1)
            #expect(Self.sample(#"mash_commands_finished_total{status="timeout"}"#, port: port) == 1)
            // For a device that is offline: waits as pending, counted from the database.
            _ = try f.insertCommand(device: "02:00:00:00:00:02")
            try await Self.waitForSample(#"mash_commands{status="pending"}"#, 1, port: port)

            try f.temperature(95)
            try await Self.waitForSample(#"mash_alert_events_total{event="raised"}"#, 1, port: port)
            try await Self.waitForSample(#"mash_alerts_open{severity="high"}"#, 1, port: port)
            #expect(Self.sample(#"mash_alerts_open{severity="critical"}"#, port: port) == 0)
        }
    }

    @Test("database away: /healthz names it, the ingest lag grows, and a spool over 90 % full is reported; all clear once it is back")
    func lagAndSpoolDuringAnOutage() async throws {
        let cluster = try await TestPostgres.start()
        let port = try freeLoopbackPort()
        try await IngestFixture.with(ingest: "batch_size: 20\nspool_max_mb: 1", cluster: cluster, httpPort: port) { f in
            try await waitUntil("/healthz 200", timeout: .seconds(30)) { (try? httpGet(port: port, path: "/healthz"))?.status == 200 }
            #expect(Self.sample("mash_ingest_lag_seconds", port: port) == 0)
            #expect(Self.sample("mash_spool_max_bytes", port: port) == Double(1 << 20))

            await cluster.stop()
            let now = Int64(Date().timeIntervalSince1970)
            try f.publishBurst(messages: 10, startSecond: now - 20_000)
            let down = try await waitFor("/healthz 503", timeout: .seconds(10)) {
                (try? httpGet(port: port, path: "/healthz")).flatMap { $0.status == 503 ? $0 : nil }
            }
            #expect(down.body.contains("database: unreachable since"), "body: \(down.body)")
            let firstLag = try await waitFor("a positive ingest lag") { Self.sample("mash_ingest_lag_seconds", port: port).flatMap { $0 > 0 ? $0 : nil } }
            try await waitUntil("the ingest lag to grow past \(firstLag) s") { (Self.sample("mash_ingest_lag_seconds", port: port) ?? 0) > firstLag + 1 }

            // Fill the 1 MiB spool past 90 %.
            var published = 10
            try await waitUntil("/healthz to report the spool", timeout: .seconds(90)) {
                let body = (try? httpGet(port: port, path: "/healthz"))?.body ?? ""
                if body.contains("spool: ") { return true }
                try f.publishBurst(messages: 500, startSecond: now - 20_000 + Int64(published))
                published += 500
                return false
            }
            let spool = try #require(Self.sample("mash_spool_bytes", port: port))
            #expect(spool > 0.9 * Double(1 << 20))

            try await cluster.restart()
            try await waitUntil("/healthz 200 once the spool is replayed", timeout: .seconds(60)) {
                (try? httpGet(port: port, path: "/healthz"))?.status == 200
            }
            try await f.expectCount("SELECT count(*) FROM sensor_readings", published * 4, timeout: .seconds(60))
            try await Self.waitForSample("mash_ingest_lag_seconds", 0, port: port)
            #expect(Self.sample("mash_spool_bytes", port: port) == 0)
        }
    }
}
