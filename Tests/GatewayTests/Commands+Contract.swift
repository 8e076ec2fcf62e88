import Foundation
import Testing
import TestSupport

extension ControlIntegrationTests {
    /// CONTRACT §4 "Commands", bullet by bullet, with a device played by the test.
    @Suite("Commands (contract)")
    struct CommandsContractTests {
        @Test("a pending row inserted by SQL is published within a second; ack and result complete it; a result alone counts as both")
        func sendAckComplete() async throws {
            try await IngestFixture.withControl { f in
                let device = try await f.probe(["devices/sn-kitchen/commands/+"])
                defer { device.close() }
                try await f.bringOnline()
                let clock = ContinuousClock()
                let inserted = clock.now
                let id = try f.insertCommand(type: "set_led", data: #"{"on":true}"#, timeout: 7)
                let message = try await device.waitForMessage(on: "devices/sn-kitchen/commands/\(id)", timeout: .seconds(5))
                let latency = clock.now - inserted
                #expect(latency < .seconds(1), "published \(latency) after the insert")
                let payload = jsonObject(message.payloadString)
                #expect(payload["id"] as? String == id)
                #expect(payload["type"] as? String == "set_led")
                #expect((payload["data"] as? [String: Any])?["on"] as? Bool == true)
                #expect(payload["attempt"] as? Int == 1)
                #expect(payload["timeout_s"] as? Int == 7)
                #expect(message.qos == .atLeastOnce)
                #expect(try f.command(id, "status || ' ' || (sent_at IS NOT NULL) || ' ' || retry_count") == "sent true 0")

                try f.device.publish("devices/sn-kitchen/commands/\(id)/ack", "")
                try await f.expectCommand(id, "status || ' ' || (acknowledged_at IS NOT NULL)", "acknowledged true")
                try f.device.publish("devices/sn-kitchen/commands/\(id)/result", #"{"status":"completed","data":{"led":"on"}}"#)
                try await f.expectCommand(id, "status || ' ' || (completed_at IS NOT NULL) || ' ' || COALESCE(error_message, '-')", "completed true -")

                // Failed, with the device's error.
                let failing = try f.insertCommand(type: "flash")
                try await device.waitForMessage(on: "devices/sn-kitchen/commands/\(failing)")
                try f.device.publish("devices/sn-kitchen/commands/\(failing)/ack", "")
                try f.device.publish("devices/sn-kitchen/commands/\(failing)/result", #"{"status":"failed","error":"no space left"}"#)
                try await f.expectCommand(failing, "status || ' ' || error_message", "failed no space left")

                // A result without an ack counts as both.
                let direct = try f.insertCommand(type: "ping")
                try await device.waitForMessage(on: "devices/sn-kitchen/commands/\(direct)")
                try f.device.publish("devices/sn-kitchen/commands/\(direct)/result", #"{"status":"completed"}"#)
                try await f.expectCommand(direct, "status || ' ' || (acknowledged_at IS NOT NULL) || ' ' || (completed_at IS NOT NULL)", "completed true true")
                // Late duplicates change nothing.
                try f.device.publish("devices/sn-kitchen/commands/\(id)/result", #"{"status":"failed","error":"late"}"#)
                try await f.gateway.waitForLog("command event ignored")
                #expect(try f.command(id, "status || ' ' || COALESCE(error_message, '-')") == "completed -")
                #expect(device.commands(id).count == 1)
            }
        }

        @Test("no ack: re-sent with retry_count + 1 until max_retries is used up (1 + max_retries sends), then timeout")
        func resendThenTimeout() async throws {
            try await IngestFixture.withControl { f in
                let device = try await f.probe(["devices/sn-kitchen/commands/+"])
                defer { device.close() }
                try await f.bringOnline()
                let id = try f.insertCommand(timeout: 1, maxRetries: 2)
                try await f.expectCommand(id, "status || ' ' || retry_count", "timeout 2", timeout: .seconds(10))
                try await waitUntil("three sends") { device.commands(id).count >= 3 }
                #expect(device.commands(id).map { $0["attempt"] as? Int } == [1, 2, 3])
                #expect(try f.command(id, "completed_at IS NOT NULL") == "t")
            }
        }

        @Test("acknowledged but no result within timeout_seconds: timeout, never re-sent")
        func ackedThenTimeout() async throws {
            try await IngestFixture.withControl { f in
                let device = try await f.probe(["devices/sn-kitchen/commands/+"])
                defer { device.close() }
                try await f.bringOnline()
                let id = try f.insertCommand(timeout: 1, maxRetries: 3)
                try await device.waitForMessage(on: "devices/sn-kitchen/commands/\(id)")
                try f.device.publish("devices/sn-kitchen/commands/\(id)/ack", "")
                try await f.expectCommand(id, "status", "acknowledged")
                try await f.expectCommand(id, "status || ' ' || retry_count", "timeout 0", timeout: .seconds(10))
                #expect(device.commands(id).count == 1)
            }
        }

        @Test("not finished by created_at + ttl_s: timeout with error 'expired' (pending for an offline device, and in flight)")
        func ttlExpiry() async throws {
            try await IngestFixture.withControl(commands: "ttl_s: 2") { f in
                let device = try await f.probe(["devices/sn-kitchen/commands/+"])
                defer { device.close() }
                let waiting = try f.insertCommand(device: "02:00:00:00:00:02")  // offline: never claimed
                try await f.bringOnline()
                let inFlight = try f.insertCommand(timeout: 30, maxRetries: 3)
                try await device.waitForMessage(on: "devices/sn-kitchen/commands/\(inFlight)")
                try await f.expectCommand(waiting, "status || ' ' || error_message || ' ' || retry_count", "timeout expired 0", timeout: .seconds(10))
                try await f.expectCommand(inFlight, "status || ' ' || error_message", "timeout expired", timeout: .seconds(10))
                #expect(try f.count("SELECT count(*) FROM device_commands WHERE sent_at IS NOT NULL AND id = '\(waiting)'") == 0)
            }
        }

        @Test("a command for an offline device waits without spending retries and is sent when the device comes online")
        func offlineDeviceWaits() async throws {
            try await IngestFixture.withControl { f in
                let device = try await f.probe(["devices/02:00:00:00:00:02/commands/+"])
                defer { device.close() }
                let id = try f.insertCommand(device: "02:00:00:00:00:02", timeout: 1, maxRetries: 0)
                // Two polls pass: still pending, nothing sent, nothing spent.
                try await f.gateway.waitForLog("commands ready")
                try await Task.sleep(for: .milliseconds(2200))
                #expect(try f.command(id, "status || ' ' || retry_count || ' ' || (sent_at IS NULL)") == "pending 0 true")
                #expect(device.commands(id, device: "02:00:00:00:00:02").isEmpty)

                let clock = ContinuousClock()
                try f.device.publish("devices/02:00:00:00:00:02/heartbeat", "")
                let online = clock.now
                let message = try await device.waitForMessage(on: "devices/02:00:00:00:00:02/commands/\(id)", timeout: .seconds(5))
                #expect(clock.now - online < .seconds(1))
                #expect(jsonObject(message.payloadString)["attempt"] as? Int == 1)
                try f.device.publish("devices/02:00:00:00:00:02/commands/\(id)/result", #"{"status":"completed"}"#)
                try await f.expectCommand(id, "status || ' ' || retry_count", "completed 0")
            }
        }
    }
}
