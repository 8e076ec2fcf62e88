import Foundation
import Testing
import TestSupport

@Suite("simulate")
struct SimulateTests {
    @Test("a simulated fleet registers its devices, its telemetry is stored, and it answers commands")
    func fleetEndToEnd() async throws {
        try await IngestFixture.with { f in
            let config = "\(f.spoolDirectory)/../simulate.yaml"
            try "mqtt:\n  url: \(f.broker.url)\ndatabase:\n  url: \(f.databaseURL)\n".write(toFile: config, atomically: true, encoding: .utf8)
            // The fleet runs until the test stops it (SIGTERM ends a run the normal way, with its report), so a
            // slow start of the gateway cannot end the fleet before the command reaches it.
            let fleet = try ChildProcess(
                GatewayBinary.path, ["simulate", "--config", config, "--devices", "12", "--rate", "200", "--prefix", "simt"],
                logPath: "\(f.spoolDirectory)/../simulate.log")
            // Once the fleet is registered and online, a command to one of its devices is acknowledged and completed.
            try await waitUntil("the fleet's devices registered") { try f.count("SELECT count(*) FROM devices WHERE serial_number LIKE 'simt-%'") == 12 }
            try await waitUntil("telemetry from the fleet stored") { try f.count("SELECT count(*) FROM sensor_readings") > 50 }
            _ = try f.sql("""
                INSERT INTO device_commands (device_id, command_type, command_data, timeout_seconds, max_retries)
                SELECT id, 'blink', '{}', 10, 1 FROM devices WHERE serial_number = 'simt-00001'
                """)
            try await waitUntil("the command completed by the simulated device") {
                try f.sql("SELECT status FROM device_commands WHERE command_type = 'blink'") == "completed"
            }
            fleet.signal(SIGTERM)
            let status = await fleet.waitForExit(timeout: .seconds(30))
            #expect(status == 0, "\(fleet.output())")
            #expect(fleet.output().contains("answered 1 commands"), "\(fleet.output())")
            let published = try #require(Self.published(fleet.output()), "no report line: \(fleet.output())")
            #expect(published > 50)
            // Every payload form and key spelling the fleet uses was accepted.
            do {
                try await waitUntil("all published readings stored") { try f.count("SELECT count(*) FROM sensor_readings") == published }
            } catch {
                let perDevice = try f.sql("""
                    SELECT string_agg(d.serial_number || ':' || n, ' ' ORDER BY d.serial_number)
                    FROM (SELECT device_id, count(*) AS n FROM sensor_readings GROUP BY device_id) r JOIN devices d ON d.id = r.device_id
                    """)
                Issue.record("stored \(try f.count("SELECT count(*) FROM sensor_readings")) of \(published); per device: \(perDevice); simulate: \(fleet.output())")
                throw error
            }
            #expect(try f.count("SELECT count(*) FROM ingest_rejects") == 0)
        }
    }

    @Test("simulate --convention esphome|tasmota publishes as the firmware does: every reading stored, statuses and heartbeats are presence", arguments: ["esphome", "tasmota"])
    func conventionFleet(convention: String) async throws {
        try await IngestFixture.with(ingest: "conventions: [\(convention)]", extra: IngestFixture.controlConfig()) { f in
            try await f.waitForControl()
            // The fleet runs only 4 s: its messages must not race the gateway's subscriptions (3 for the
            // convention, 3 for operators, 1 for the broker's drop counter).
            try await f.waitForSubscriptions(7)
            let config = "\(f.spoolDirectory)/../simulate-\(convention).yaml"  // its own: tests run side by side
            try "mqtt:\n  url: \(f.broker.url)\ndatabase:\n  url: \(f.databaseURL)\n".write(toFile: config, atomically: true, encoding: .utf8)
            // 6 devices at 20 readings/s: each Tasmota device sends a SENSOR message every 1.2 s (whole-second Time).
            let fleet = try ChildProcess(
                GatewayBinary.path, ["simulate", "--config", config, "--devices", "6", "--rate", "20", "--duration", "4",
                                     "--prefix", "sim\(convention.prefix(1))", "--convention", convention, "--timezone", "Europe/Berlin"],
                logPath: "\(f.spoolDirectory)/../simulate-\(convention).log")
            let status = await fleet.waitForExit(timeout: .seconds(60))
            #expect(status == 0, "\(fleet.output())")
            let published = try #require(Self.published(fleet.output()), "no report line: \(fleet.output())")
            #expect(published >= 40)
            do {
                try await waitUntil("all \(published) published readings stored") {
                    try f.count("SELECT count(*) FROM sensor_readings") == published
                }
            } catch {
                let rejects = (try? f.sql("SELECT reason || ': ' || detail FROM ingest_rejects LIMIT 3")) ?? "?"
                Issue.record("\((try? f.count("SELECT count(*) FROM sensor_readings")) ?? -1) of \(published) stored; rejects: \(rejects); fleet: \(fleet.output().suffix(1500)); gateway: \(f.gateway.log.suffix(2500))")
                throw error
            }
            #expect(try f.count("SELECT count(*) FROM ingest_rejects") == 0)
            #expect(try f.count("SELECT count(*) FROM devices WHERE serial_number LIKE 'sim%' AND timezone = 'Europe/Berlin'") == 6)
            // Their last word was the will's offline.
            try await f.expectSQL("SELECT count(*) FROM devices WHERE serial_number LIKE 'sim%' AND status = 'offline' AND last_seen IS NOT NULL", "6")
            if convention == "tasmota" {
                // Local Time in Berlin, stored in UTC: within a minute of the receive time, not an hour or two off.
                #expect(try f.count("SELECT count(*) FROM sensor_readings WHERE abs(extract(epoch FROM timestamp - created_at)) > 60") == 0)
            }
        }
    }

    /// The readings count in the simulator's report ("published N messages with R readings …").
    /// The readings count of the final report (`simulate: published … with N readings`), not of a progress
    /// line logged every 5 s, which a slow run also prints.
    static func published(_ output: String) -> Int? {
        guard let line = output.split(separator: "\n").last(where: { $0.hasPrefix("simulate: published ") }) else { return nil }
        let words = line.split(separator: " ")
        guard words.count > 5, words[4] == "with" else { return nil }
        return Int(words[5])
    }
}
