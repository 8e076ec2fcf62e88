import Foundation
import Testing
import TestSupport

extension ControlIntegrationTests {
    /// Operators over MQTT (CONTRACT §3 "Operators publish", §4 "Commands"): accepted, refused, answered.
    @Suite("Commands (operators)")
    struct CommandsOperatorTests {
        @Test("an accepted operator command writes an audit row and answers pending → sent → acknowledged → completed")
        func acceptedLifecycle() async throws {
            try await IngestFixture.withControl { f in
                let userID = try f.insertUser("admin@example.com", role: "admin")
                let device = try await f.probe(["devices/sn-kitchen/commands/+"])
                let operatorProbe = try await f.probe(["operators/admin@example.com/responses"])
                defer { device.close(); operatorProbe.close() }
                try await f.bringOnline()
                try operatorProbe.publish("operators/admin@example.com/commands",
                                          #"{"device":"sn-kitchen","type":"reboot","data":{"delay_s":1},"timeout_s":5,"max_retries":1,"request_id":"r-1"}"#)
                let id = try await waitFor("the command row") { () -> String? in
                    let text = try f.sql("SELECT id FROM device_commands")
                    return text.isEmpty ? nil : text
                }
                let message = try await device.waitForMessage(on: "devices/sn-kitchen/commands/\(id)")
                let payload = jsonObject(message.payloadString)
                #expect(payload["type"] as? String == "reboot")
                #expect(payload["timeout_s"] as? Int == 5)
                #expect((payload["data"] as? [String: Any])?["delay_s"] as? Int == 1)
                #expect(try f.command(id, "user_id::text || ' ' || max_retries || ' ' || timeout_seconds") == "\(userID) 1 5")
                try f.device.publish("devices/sn-kitchen/commands/\(id)/ack", "")
                try f.device.publish("devices/sn-kitchen/commands/\(id)/result", #"{"status":"completed","data":{"up":true}}"#)
                try await f.expectCommand(id, "status", "completed")

                let topic = "operators/admin@example.com/responses"
                try await waitUntil("four responses") { operatorProbe.received(on: topic).count >= 4 }
                let responses = operatorProbe.received(on: topic).map { jsonObject($0.payloadString) }
                #expect(responses.map { $0["status"] as? String } == ["pending", "sent", "acknowledged", "completed"])
                #expect(responses.allSatisfy { $0["request_id"] as? String == "r-1" && $0["command_id"] as? String == id && $0["device"] as? String == "sn-kitchen" })
                #expect(responses.allSatisfy { $0["error"] is NSNull })
                #expect(try f.sql("SELECT count(*) || ' ' || string_agg(action || ' ' || entity_type || ' ' || user_id::text || ' ' || request_id, ',') FROM audit_logs")
                        == "1 command.create device_command \(userID) r-1")
                #expect(try f.sql("SELECT entity_id::text FROM audit_logs") == id)
            }
        }

        @Test("an operator without rights is rejected with a reason; nothing is written but the audit row")
        func noRights() async throws {
            try await IngestFixture.withControl { f in
                _ = try f.insertUser("user@example.com", role: "user")
                let operatorProbe = try await f.probe(["operators/+/responses"])
                defer { operatorProbe.close() }
                try operatorProbe.publish("operators/user@example.com/commands", #"{"device":"sn-kitchen","type":"reboot","request_id":"r-2"}"#)
                let response = jsonObject(try await operatorProbe.waitForMessage(on: "operators/user@example.com/responses").payloadString)
                #expect(response["status"] as? String == "rejected")
                #expect(response["request_id"] as? String == "r-2")
                #expect(response["command_id"] is NSNull)
                #expect(response["error"] as? String == "operator may not command this device")
                #expect(try f.count("SELECT count(*) FROM device_commands") == 0)
                #expect(try f.sql("SELECT count(*) || ' ' || string_agg(action || ' ' || entity_type, ',') FROM audit_logs") == "1 command.rejected device")
                #expect(try f.count("SELECT count(*) FROM alerts") == 0)
            }
        }

        @Test("malformed requests, unknown devices and operators, and alert actions are all answered rejected")
        func refusals() async throws {
            try await IngestFixture.withControl(commands: "max_timeout_s: 60") { f in
                _ = try f.insertUser("mod@example.com", role: "moderator")
                let operatorProbe = try await f.probe(["operators/+/responses"])
                defer { operatorProbe.close() }
                let topic = "operators/mod@example.com/responses"
                let cases: [(String, String)] = [
                    ("{not json", "payload is not a JSON object"),
                    (#"{"device":"nope","type":"reboot"}"#, "unknown device"),
                    (#"{"device":"sn-kitchen"}"#, "missing type"),
                    (#"{"device":"sn-kitchen","type":"reboot","timeout_s":61}"#, "timeout_s must be between 1 and 60"),
                ]
                for (index, (payload, reason)) in cases.enumerated() {
                    try operatorProbe.publish("operators/mod@example.com/commands", payload)
                    try await waitUntil("response \(index + 1)") { operatorProbe.received(on: topic).count > index }
                    let response = jsonObject(operatorProbe.received(on: topic)[index].payloadString)
                    #expect(response["status"] as? String == "rejected")
                    #expect(response["error"] as? String == reason)
                }
                try operatorProbe.publish("operators/ghost@example.com/commands", #"{"device":"sn-kitchen","type":"reboot"}"#)
                let ghost = jsonObject(try await operatorProbe.waitForMessage(on: "operators/ghost@example.com/responses").payloadString)
                #expect(ghost["error"] as? String == "unknown operator")
                try operatorProbe.publish("operators/mod@example.com/alerts/00000000-0000-0000-0000-000000000009/ack", "")
                try await waitUntil("the alert action's answer") { operatorProbe.received(on: topic).count > cases.count }
                let alert = jsonObject(operatorProbe.received(on: topic)[cases.count].payloadString)
                #expect(alert["status"] as? String == "rejected")
                #expect(alert["error"] as? String == "unknown alert")
                #expect(try f.count("SELECT count(*) FROM device_commands") == 0)
                // Refusals for an existing device are audited (probing shows up); the others cannot be tied to a device.
                #expect(try f.count("SELECT count(*) FROM audit_logs WHERE action = 'command.rejected'") == 3)
            }
        }
    }
}
