import Foundation
import Testing
import TestSupport

/// `mash-gateway status` against a running gateway with some traffic, checked against the database.
@Suite("Status: one screen from the database and the daemon", .timeLimit(.minutes(3)))
struct StatusScreenTests {
    @Test("--json matches the database; the daemon's backlog is read from /metrics; the screen shows it")
    func jsonMatchesDatabase() async throws {
        let port = try freeLoopbackPort()
        try await IngestFixture.with(httpPort: port) { fixture in
            let now = Int64(Date().timeIntervalSince1970)
            try fixture.publishBurst(messages: 5, startSecond: now - 4)
            try fixture.device.publish("devices/sn-kitchen/telemetry", #"{"flux":1}"#)
            try fixture.device.publish("devices/nobody/telemetry", #"{"temperature":1}"#)
            try fixture.device.publish("devices/sn-kitchen/heartbeat", "")
            try await fixture.expectCount("SELECT count(*) FROM sensor_readings", 20)
            try await fixture.expectCount("SELECT count(*) FROM ingest_rejects", 2)
            try await waitUntil("sn-kitchen online") { try fixture.count("SELECT count(*) FROM devices WHERE status = 'online'") == 1 }
            _ = try fixture.sql("""
                INSERT INTO device_commands (device_id, command_type, command_data, status, created_at)
                SELECT id, 'reboot', '{}', 'completed', now() AT TIME ZONE 'UTC' FROM devices WHERE serial_number = 'sn-kitchen';
                INSERT INTO device_commands (device_id, command_type, command_data, status, created_at)
                SELECT id, 'reboot', '{}', 'failed', now() AT TIME ZONE 'UTC' - interval '3 days' FROM devices WHERE serial_number = 'sn-kitchen';
                INSERT INTO alerts (device_id, alert_type, severity, title, message)
                SELECT id, 'threshold', 'high', 't', 'm' FROM devices WHERE serial_number = 'sn-kitchen';
                """)

            // Control messages stay in the ring until their effects are committed: wait for the depth to
            // settle, so that the status command and the scrape after it see the same number.
            try await waitUntil("the ring drained") { fixture.metric("mash_ring_depth_messages", port: port) == 0 }
            let result = try GatewayBinary.run(["status", "--json", "--config", fixture.gateway.configPath])
            #expect(result.status == 0, "\(result.output)")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any], "\(result.output)")
            func value(_ path: String) -> Any? {
                path.split(separator: ".").reduce(Optional<Any>(object)) { ($0 as? [String: Any])?[String($1)] }
            }
            #expect(value("devices.total") as? Int == (try fixture.count("SELECT count(*) FROM devices WHERE deleted_at IS NULL")))
            #expect(value("devices.online") as? Int == 1)
            #expect(value("devices.offline") as? Int == 1)
            #expect(value("readings.last_minute") as? Int == 20)
            #expect(value("readings.last_hour") as? Int == 20)
            let age = try #require(value("readings.newest_age_s") as? Double)
            #expect(age >= 0 && age < 60)
            #expect(value("rejects.last_hour") as? Int == 2)
            #expect(value("rejects.last_hour_by_reason.unknown_sensor") as? Int == 1)
            #expect(value("rejects.last_hour_by_reason.unknown_device") as? Int == 1)
            #expect(value("commands.completed") as? Int == 1)
            #expect(value("commands.failed") as? Int == 0, "a finished command older than 24 h is not counted")
            #expect(value("commands.pending") as? Int == 0)
            #expect(value("alerts.open") as? Int == 1)
            #expect(value("alerts.open_by_severity.high") as? Int == 1)
            #expect(value("daemon.answering") as? Bool == true, "\(result.output)")
            #expect(value("daemon.ring_depth_messages") as? Double == fixture.metric("mash_ring_depth_messages", port: port))
            #expect(value("daemon.spool_batches") as? Double == 0)

            let screen = try GatewayBinary.run(["status", "--config", fixture.gateway.configPath])
            #expect(screen.status == 0, "\(screen.output)")
            #expect(screen.output.contains("readings  20 in the last minute, 20 in the last hour; newest "), "\(screen.output)")
            #expect(screen.output.contains("daemon    answering at 127.0.0.1:\(port)"), "\(screen.output)")
        }
    }

    @Test("no daemon: the database part still answers and says the daemon is not answering")
    func daemonNotAnswering() async throws {
        let postgres = try await TestPostgres.shared()
        let database = try await postgres.migratedDatabase()
        let directory = try Harness.makeDirectory("status")
        let path = "\(directory)/gateway.yaml"
        try "database:\n  url: \(database)\nhttp:\n  listen: 127.0.0.1:\(try freeLoopbackPort())\n".write(toFile: path, atomically: true, encoding: .utf8)
        let result = try GatewayBinary.run(["status", "--config", path])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("daemon not answering"), "\(result.output)")
        #expect(result.output.contains("devices   0 total"), "\(result.output)")
    }

    @Test("database unreachable: one line, exit 69, no password")
    func databaseDown() throws {
        let port = try freeLoopbackPort()
        let result = try GatewayBinary.run(["status", "--json"], environment: ["MASH_DATABASE_URL": "postgres://mash:pw-secret@127.0.0.1:\(port)/mash"])
        #expect(result.status == 69, "\(result.output)")
        #expect(result.output.split(separator: "\n").count == 1, "\(result.output)")
        #expect(!result.output.contains("pw-secret"))
    }
}
