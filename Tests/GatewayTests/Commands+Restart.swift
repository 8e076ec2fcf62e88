import Foundation
import Testing
import TestSupport

extension ControlIntegrationTests {
    /// Commands across gateway restarts and instances (issue 4: "Tests that must exist").
    @Suite("Commands (restart and scale-out)")
    struct CommandsRestartTests {
        @Test("a command sent before a gateway restart and acknowledged after it completes normally")
        func restartBetweenSendAndAck() async throws {
            try await IngestFixture.withControl { f in
                let device = try await f.probe(["devices/sn-kitchen/commands/+"])
                defer { device.close() }
                try await f.bringOnline()
                let id = try f.insertCommand(timeout: 20, maxRetries: 3)
                try await device.waitForMessage(on: "devices/sn-kitchen/commands/\(id)")
                #expect(await f.gateway.terminate() == 0)
                #expect(try f.command(id) == "sent")
                try f.device.publish("devices/sn-kitchen/commands/\(id)/ack", "")  // held by the broker for the gateway's session
                try await f.startGatewayAgain()
                try await f.waitForControl()
                try await f.expectCommand(id, "status || ' ' || retry_count", "acknowledged 0")
                try f.device.publish("devices/sn-kitchen/commands/\(id)/result", #"{"status":"completed"}"#)
                try await f.expectCommand(id, "status || ' ' || retry_count", "completed 0")
                #expect(device.commands(id).count == 1)
            }
        }

        @Test("two gateways with the same shared_group send every command exactly once")
        func twoGatewaysSendOnce() async throws {
            let extra = IngestFixture.controlConfig()
            try await IngestFixture.with(extra: extra) { f in
                // The fixture's gateway has no shared group; restart it inside one, and start a second member.
                #expect(await f.gateway.terminate() == 0)
                func member(_ name: String) throws -> GatewayProcess {
                    let config = try testGatewayConfig(mqttURL: f.broker.url, databaseURL: f.databaseURL, clientID: name, extra: extra)
                        .replacingOccurrences(of: "mqtt:\n", with: "mqtt:\n  shared_group: fleet\n")
                    return try GatewayProcess.start(config: config)
                }
                let first = try member("gw-a-\(UInt32.random(in: 0...UInt32.max))")
                let second = try member("gw-b-\(UInt32.random(in: 0...UInt32.max))")
                defer { Task { _ = await first.terminate(); _ = await second.terminate() } }
                try await f.waitForControl(first)
                try await f.waitForControl(second)
                try await first.waitForLog("mqtt intake started")
                try await second.waitForLog("mqtt intake started")
                let device = try await f.probe(["devices/sn-kitchen/commands/+"])
                defer { device.close() }
                try f.device.publish("devices/sn-kitchen/status", "online")
                try await f.expectSQL("SELECT status FROM devices WHERE serial_number = 'sn-kitchen'", "online")

                let count = 40
                let ids = try (0..<count).map { _ in try f.insertCommand(timeout: 30, maxRetries: 3) }
                try await waitUntil("every command sent (\(device.received.count) so far)") { Set(device.received.map(\.topic)).count >= count }
                for id in ids {
                    try f.device.publish("devices/sn-kitchen/commands/\(id)/result", #"{"status":"completed"}"#)
                }
                try await f.expectSQL("SELECT count(*) FROM device_commands WHERE status = 'completed'", "\(count)")
                let perCommand = Dictionary(grouping: device.received, by: \.topic).mapValues(\.count)
                #expect(perCommand.count == count)
                #expect(perCommand.values.allSatisfy { $0 == 1 }, "sends per command: \(perCommand.values.sorted())")
                // Both members took part in claiming (the work is shared, not merely tolerated).
                let sentByFirst = first.log.components(separatedBy: "command sent").count - 1
                let sentBySecond = second.log.components(separatedBy: "command sent").count - 1
                #expect(sentByFirst + sentBySecond == count)
                #expect(await first.terminate() == 0)
                #expect(await second.terminate() == 0)
            }
        }
    }
}
