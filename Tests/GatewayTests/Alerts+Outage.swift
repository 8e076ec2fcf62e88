import Foundation
import Testing
import TestSupport

/// Alert rules judge every stored reading, including those written back from the spool after a
/// database outage (issue 13, point 3).
@Suite("Threshold alerts across a database outage", .timeLimit(.minutes(3)))
struct AlertOutageTests {
    static var nowMillis: Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    @Test("a threshold crossed while PostgreSQL is down is raised from the spooled readings when it returns, once, in reading order")
    func crossedDuringOutage() async throws {
        let cluster = try await TestPostgres.start()
        try await IngestFixture.withAlerts(cluster: cluster) { f in
            let observer = try await f.probe(["alerts/#"])
            defer { observer.close() }
            let start = Self.nowMillis
            try f.device.publish("devices/sn-kitchen/telemetry", #"{"ts": \#(start), "temperature": 20}"#)
            try await f.expectSQL("SELECT count(*) FROM sensor_readings", "1")

            await cluster.stop()
            // Crossing and staying beyond the bound, all while the database is away.
            try f.device.publish("devices/sn-kitchen/telemetry", #"{"ts": \#(start + 1_000), "temperature": 85}"#)
            try f.device.publish("devices/sn-kitchen/telemetry", #"{"ts": \#(start + 2_000), "temperature": 91.5}"#)
            try await f.gateway.waitForLog("batches go to the spool")
            try await waitUntil("the readings are in the spool", timeout: .seconds(30)) {
                (try? FileManager.default.contentsOfDirectory(atPath: "\(f.spoolDirectory)/batches"))?.contains { $0.hasSuffix(".spool") } ?? false
            }
            try await cluster.restart()

            try await f.expectSQL("SELECT count(*) FROM sensor_readings", "3", timeout: .seconds(60))
            try await f.expectSQL(
                "SELECT count(*) || ' ' || min(trigger_value) || ' ' || min(current_value) || ' ' || bool_and(NOT resolved) FROM alerts WHERE alert_type = 'threshold'",
                "1 85.0000 91.5000 true", timeout: .seconds(30))
            let raised = try await observer.waitForMessage(on: "alerts/sn-kitchen")
            #expect(jsonObject(raised.payloadString)["event"] as? String == "raised")

            // Back inside by the hysteresis, then an older hot reading arrives late: it is stored but
            // not judged (the rule's state follows reading time), so the alert stays resolved.
            try f.device.publish("devices/sn-kitchen/telemetry", #"{"ts": \#(start + 3_000), "temperature": 70}"#)
            try await f.expectSQL("SELECT resolved::text FROM alerts WHERE alert_type = 'threshold'", "true")
            try f.device.publish("devices/sn-kitchen/telemetry", #"{"ts": \#(start + 2_500), "temperature": 99}"#)
            // A newer hot reading then raises the second alert with its own value: had the late 99 been
            // judged, it would have raised that alert (trigger 99).
            try f.device.publish("devices/sn-kitchen/telemetry", #"{"ts": \#(start + 4_000), "temperature": 95}"#)
            try await f.expectSQL("SELECT count(*) FROM sensor_readings", "6")
            try await f.expectSQL(
                "SELECT count(*) || ' ' || max(trigger_value) FILTER (WHERE NOT resolved) FROM alerts WHERE alert_type = 'threshold'", "2 95.0000")
        }
    }
}
