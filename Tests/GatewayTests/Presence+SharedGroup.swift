import Foundation
import Testing
import TestSupport

extension ControlIntegrationTests {
    @Suite("Presence (scale-out)")
    struct PresenceSharedGroupTests {
        @Test("two gateways in one shared group: a device whose messages all go to the other member is not called silent")
        func sightingsAreShared() async throws {
            let extra = IngestFixture.controlConfig(presence: "offline_after_s: 3")
            try await IngestFixture.with(extra: extra) { f in
                #expect(await f.gateway.terminate() == 0)
                func member(_ name: String) throws -> GatewayProcess {
                    let config = try testGatewayConfig(mqttURL: f.broker.url, databaseURL: f.databaseURL, clientID: name, extra: extra)
                        .replacingOccurrences(of: "mqtt:\n", with: "mqtt:\n  shared_group: fleet\n")
                    return try GatewayProcess.start(config: config)
                }
                let first = try member("gw-a-\(UInt32.random(in: 0...UInt32.max))")
                let second = try member("gw-b-\(UInt32.random(in: 0...UInt32.max))")
                try await f.waitForControl(first)
                try await f.waitForControl(second)
                try await first.waitForLog("connected to broker")
                try await second.waitForLog("connected to broker")

                // The broker's round robin alternates members message by message. One message for each
                // device first (each member sees one device once), then one message shifts the
                // parity, and alternating publishes then hand each member only the device it has not
                // been hearing from: each member alone would call the other device silent after 3 s.
                try f.device.publish("devices/sn-kitchen/telemetry", #"{"temperature":20}"#)
                try f.device.publish("devices/020000000002/telemetry", #"{"temperature":20}"#)
                try f.device.publish("devices/sn-kitchen/telemetry", #"{"temperature":20.5}"#)
                var published = 3
                try await f.expectSQL("SELECT count(*) FROM sensor_readings", "3")
                let clock = ContinuousClock()
                let end = clock.now + .seconds(9)
                while clock.now < end {
                    try f.device.publish("devices/sn-kitchen/telemetry", #"{"temperature":21}"#)
                    try f.device.publish("devices/020000000002/telemetry", #"{"temperature":22}"#)
                    published += 2
                    try await Task.sleep(for: .milliseconds(250))
                }
                try await f.expectSQL("SELECT count(*) FROM sensor_readings", "\(published)", timeout: .seconds(30))
                #expect(try f.sql("SELECT string_agg(status, ',') FROM devices WHERE serial_number = 'sn-kitchen' OR mac_address = '02:00:00:00:00:02'") == "online,online")
                #expect(try f.count("SELECT count(*) FROM alerts WHERE alert_type = 'device_offline'") == 0,
                        "first:\n\(first.log.suffix(1500))\nsecond:\n\(second.log.suffix(1500))")
                // Both members really shared the work.
                #expect(try f.count("SELECT count(DISTINCT device_id) FROM sensor_readings") == 2)
                #expect(await first.terminate() == 0)
                #expect(await second.terminate() == 0)
            }
        }
    }
}
