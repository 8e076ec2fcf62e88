import Foundation
import Testing
import TestSupport

/// The black-box tests of running more than one (CONTRACT §8), one at a time: each runs one or two
/// gateways and extra servers beside the rest of the suite.
@Suite("Scale-out (black box)", .serialized)
struct ScaleOutIntegrationTests {}

extension ScaleOutIntegrationTests {
    /// CONTRACT §8: through PgBouncer in transaction pooling, with `database.listen_url` direct.
    @Suite("PgBouncer, transaction pooling", .timeLimit(.minutes(3)))
    struct PgBouncerTests {
        @Test("ingest (a resent batch stored once), presence, a command by SQL, a threshold alert; no protocol errors")
        func everythingThroughTransactionPooling() async throws {
            let postgres = try await TestPostgres.shared()
            let bouncer = try await TestPgBouncer.start(in: postgres, poolSize: 3)
            let port = try freeLoopbackPort()
            // Only NOTIFY over the direct listen_url can make a command go out within seconds: the poll is an hour.
            let extra = """
                presence:
                  sweep_interval_ms: 100
                commands:
                  poll_interval_s: 3600
                alerts:
                  rules:
                    - name: hot
                      sensor: temperature
                      above: 80
                      hysteresis: 2
                      severity: high
                      auto_resolve: true

                """
            // A server time zone far from UTC: DEFAULT CURRENT_TIMESTAMP is only right if the gateway's
            // `SET TIME ZONE 'UTC'` follows it onto every pooled server session (PgBouncer tracks TimeZone).
            do {
                try await IngestFixture.with(
                    ingest: "unknown_devices: register", extra: extra,
                    setup: "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET timezone = %L', current_database(), 'Pacific/Kiritimati'); END $$",
                    cluster: postgres, httpPort: port, pooler: bouncer
                ) { f in
                    try await f.waitForControl()
                    try await f.gateway.waitForLog("alerts ready")
                    #expect(f.gateway.log.contains(":\(bouncer.port)/"), "the gateway should log the pooled URL")

                    // Ingest, then the same messages again in later batches: the exactly-once fallback
                    // (a staging table inside the COPY transaction) runs through the pooler.
                    let start = Int64(Date().timeIntervalSince1970) - 3_600
                    try f.publishBurst(messages: 100, startSecond: start)
                    try await f.expectCount("SELECT count(*) FROM sensor_readings", 400)
                    try f.publishBurst(messages: 100, startSecond: start)
                    try await waitUntil("the resent readings counted as duplicates", timeout: .seconds(30)) {
                        (f.metric("mash_readings_duplicate_total", port: port) ?? 0) >= 400
                    }
                    #expect(try f.count("SELECT count(*) FROM sensor_readings") == 400)
                    #expect(try f.count("SELECT count(*) FROM ingest_rejects") == 0)

                    // A device registered on first sight: its created_at (a column DEFAULT) is UTC.
                    try f.device.publish("devices/sn-pooled-new/telemetry", #"{"temperature":21}"#)
                    try await f.expectSQL("SELECT count(*) FROM devices WHERE serial_number = 'sn-pooled-new'", "1")
                    #expect(try f.sql("""
                        SELECT abs(extract(epoch FROM created_at - (now() AT TIME ZONE 'UTC'))) < 300
                        FROM devices WHERE serial_number = 'sn-pooled-new'
                        """) == "t")

                    // Presence: online, offline (status topic) with its alert, online again resolving it.
                    try await f.bringOnline()
                    try f.device.publish("devices/sn-kitchen/status", "offline")
                    try await f.expectSQL("SELECT status FROM devices WHERE serial_number = 'sn-kitchen'", "offline")
                    try await f.expectSQL("SELECT count(*) FROM alerts WHERE alert_type = 'device_offline' AND resolved IS NOT TRUE", "1")
                    try await f.bringOnline()
                    try await f.expectSQL("SELECT count(*) FROM alerts WHERE alert_type = 'device_offline' AND resolved", "1")

                    // A command inserted by SQL: sent (NOTIFY over listen_url), acknowledged, completed.
                    let device = try await f.probe(["devices/sn-kitchen/commands/+"])
                    defer { device.close() }
                    let id = try f.insertCommand(type: "reboot", timeout: 30)
                    try await device.waitForMessage(on: "devices/sn-kitchen/commands/\(id)", timeout: .seconds(10))
                    try f.device.publish("devices/sn-kitchen/commands/\(id)/ack", "")
                    try f.device.publish("devices/sn-kitchen/commands/\(id)/result", #"{"status":"completed"}"#)
                    try await f.expectCommand(id, "status", "completed")
                    #expect(device.commands(id).count == 1)

                    // A threshold alert, raised once.
                    try f.temperature(85)
                    try await f.expectSQL("SELECT count(*) FROM alerts WHERE alert_type = 'threshold' AND NOT resolved", "1")
                    try f.temperature(70)
                    try await f.expectSQL("SELECT count(*) FROM alerts WHERE alert_type = 'threshold' AND resolved", "1")

                    let log = f.gateway.log
                    let errors = log.split(separator: "\n").filter {
                        $0.contains(" error [") || $0.contains(" critical [") || $0.contains("SQLSTATE")
                            || $0.localizedCaseInsensitiveContains("prepared statement") || $0.localizedCaseInsensitiveContains("protocol")
                    }
                    #expect(errors.isEmpty, "gateway log:\n\(errors.joined(separator: "\n"))")
                    #expect(!bouncer.log.contains("ERROR"), "PgBouncer log:\n\(bouncer.log.suffix(3000))")
                }
            } catch {
                await bouncer.stop()
                throw error
            }
            await bouncer.stop()
        }
    }
}
