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
            let simulation = Task.detached {
                try GatewayBinary.run(["simulate", "--config", config, "--devices", "12", "--rate", "200", "--duration", "4", "--prefix", "simt"])
            }
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
            let result = try await simulation.value
            #expect(result.status == 0, "\(result.output)")
            #expect(result.output.contains("answered 1 commands"), "\(result.output)")
            // Every payload form and key spelling the fleet uses was accepted.
            try await waitUntil("all published readings stored") { try f.count("SELECT count(*) FROM sensor_readings") >= 790 }
            #expect(try f.count("SELECT count(*) FROM ingest_rejects") == 0)
        }
    }
}
