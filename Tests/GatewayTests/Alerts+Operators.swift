import Foundation
import Testing
import TestSupport

extension ControlIntegrationTests {
    /// `operators/{operator}/alerts/{alert_id}/ack|resolve`: authorised like commands, answered on `operators/{operator}/responses`.
    @Suite("Threshold alerts (operators)")
    struct ThresholdAlertOperatorTests {
        @Test("the owner acknowledges: acknowledged_by/at set, answered, published, and escalation stops")
        func acknowledgeStopsEscalation() async throws {
            try await IngestFixture.withAlerts(escalateAfter: 1, maxLevel: 10) { f in
                let owner = try f.makeOwner("owner@example.com")
                let observer = try await f.probe(["alerts/#", "operators/owner@example.com/responses"])
                defer { observer.close() }
                try f.temperature(85)
                try await f.expectSQL("SELECT escalation_level FROM alerts WHERE alert_type = 'threshold'", "2", timeout: .seconds(10))
                let id = try f.thresholdAlert("id")
                try observer.publish("operators/owner@example.com/alerts/\(id)/ack", "")
                let response = jsonObject(try await observer.waitForMessage(on: "operators/owner@example.com/responses").payloadString)
                #expect(response["status"] as? String == "acknowledged")
                #expect(response["alert_id"] as? String == id)
                #expect(response["device"] as? String == "sn-kitchen")
                #expect(response["error"] is NSNull)
                #expect(response["request_id"] is NSNull)
                #expect(try f.thresholdAlert("acknowledged || ' ' || acknowledged_by || ' ' || (acknowledged_at IS NOT NULL) || ' ' || resolved")
                        == "true \(owner) true false")
                let level = try f.thresholdAlert("escalation_level")
                let notifications = try f.count("SELECT count(*) FROM notifications")
                let event = try await observer.waitForMessage(on: "alerts/sn-kitchen") { jsonObject($0.payloadString)["event"] as? String == "acknowledged" }
                #expect(jsonObject(event.payloadString)["alert_id"] as? String == id)
                try await Task.sleep(for: .milliseconds(2500))
                #expect(try f.thresholdAlert("escalation_level") == level)
                #expect(try f.count("SELECT count(*) FROM notifications") == notifications)
                // Still follows values and auto-resolves.
                try f.temperature(70)
                try await f.expectSQL("SELECT resolved FROM alerts WHERE alert_type = 'threshold'", "t")
            }
        }

        @Test("a moderator resolves: resolved_by/at set, answered, published; still hot raises nothing new until back inside")
        func operatorResolve() async throws {
            try await IngestFixture.withAlerts(autoResolve: false) { f in
                let moderator = try f.insertUser("mod@example.com", role: "moderator")
                let observer = try await f.probe(["alerts/#", "operators/MOD@example.com/responses"])
                defer { observer.close() }
                try f.temperature(85)
                try await f.expectSQL("SELECT count(*) FROM alerts WHERE alert_type = 'threshold'", "1")
                let id = try f.thresholdAlert("id")
                try observer.publish("operators/MOD@example.com/alerts/\(id)/resolve", "")
                let response = jsonObject(try await observer.waitForMessage(on: "operators/MOD@example.com/responses").payloadString)
                #expect(response["status"] as? String == "resolved")
                #expect(try f.thresholdAlert("resolved || ' ' || resolved_by || ' ' || (resolved_at IS NOT NULL) || ' ' || acknowledged")
                        == "true \(moderator) true false")
                try await observer.waitForMessage(on: "alerts/sn-kitchen") { jsonObject($0.payloadString)["event"] as? String == "resolved" }
                #expect(try f.count("SELECT count(*) FROM audit_logs WHERE entity_type = 'alert' AND action = 'alert.resolve'") == 1)
                // Still beyond the bound: no new alert (no re-raise loop) …
                try f.temperature(86)
                try f.temperature(87)
                // … until it has been back inside by the hysteresis: the second alert is 90's (one raised
                // by 86 would stay open, following the value, with trigger 86).
                try f.temperature(70)
                try f.temperature(90)
                try await f.expectSQL(Self.alertsByTrigger, "2 85.0000,90.0000 1")
                // Resolving twice is refused and changes nothing.
                try observer.publish("operators/MOD@example.com/alerts/\(id)/resolve", "")
                try await waitUntil("the second answer") { observer.received(on: "operators/MOD@example.com/responses").count == 2 }
                let again = jsonObject(observer.received(on: "operators/MOD@example.com/responses")[1].payloadString)
                #expect(again["status"] as? String == "rejected")
                #expect(again["error"] as? String == "alert is already resolved")
            }
        }

        @Test("resolved by an operator while still hot, then restarted: nothing new until back inside, and after that a new crossing raises")
        func operatorResolveSurvivesRestart() async throws {
            try await IngestFixture.withAlerts(autoResolve: false) { f in
                _ = try f.insertUser("mod@example.com", role: "moderator")
                let observer = try await f.probe(["operators/MOD@example.com/responses"])
                defer { observer.close() }
                try f.temperature(85)
                try await f.expectSQL("SELECT count(*) FROM alerts WHERE alert_type = 'threshold'", "1")
                try observer.publish("operators/MOD@example.com/alerts/\(try f.thresholdAlert("id"))/resolve", "")
                _ = try await observer.waitForMessage(on: "operators/MOD@example.com/responses")
                try await f.restartGateway()
                // Still hot after the restart: raises nothing (a restarted engine that forgot the resolve
                // would raise 86 and keep that alert open) …
                try f.temperature(86)
                try f.temperature(87)
                try f.temperature(70)
                try await f.expectSQL("SELECT count(*) FROM sensor_readings", "4")
                try await f.expectSQL("SELECT count(*) FROM alerts WHERE alert_type = 'threshold' AND metadata ? 'back_inside_us'", "1")
                // … and once back inside (kept with the alert), a restart does not wait again: 90 raises.
                try await f.restartGateway()
                try f.temperature(90)
                try await f.expectSQL(Self.alertsByTrigger, "2 85.0000,90.0000 1")
            }
        }

        /// Threshold alerts: how many, their trigger values in order, how many are open.
        static let alertsByTrigger = """
            SELECT count(*) || ' ' || string_agg(trigger_value::text, ',' ORDER BY created_at) || ' ' || count(*) FILTER (WHERE NOT resolved)
            FROM alerts WHERE alert_type = 'threshold'
            """

        @Test("unauthorised operators are rejected with a reason and nothing changes")
        func rejected() async throws {
            try await IngestFixture.withAlerts { f in
                try f.makeOwner("owner@example.com")
                _ = try f.insertUser("stranger@example.com", role: "user")
                _ = try f.insertUser("asleep@example.com", role: "admin", active: false)
                let observer = try await f.probe(["operators/+/responses"])
                defer { observer.close() }
                try f.temperature(85)
                try await f.expectSQL("SELECT count(*) FROM alerts WHERE alert_type = 'threshold'", "1")
                let id = try f.thresholdAlert("id")
                let before = try f.sql("SELECT row_to_json(a)::text FROM alerts a")
                let cases: [(String, String, String)] = [
                    ("stranger@example.com", "ack", "operator may not handle the alerts of this device"),
                    ("stranger@example.com", "resolve", "operator may not handle the alerts of this device"),
                    ("asleep@example.com", "resolve", "operator is not active"),
                    ("ghost@example.com", "ack", "unknown operator"),
                ]
                for (index, (user, action, reason)) in cases.enumerated() {
                    try observer.publish("operators/\(user)/alerts/\(id)/\(action)", "")
                    try await waitUntil("answer \(index + 1)") { observer.received.count > index }
                    let response = jsonObject(observer.received[index].payloadString)
                    #expect(observer.received[index].topic == "operators/\(user)/responses")
                    #expect(response["status"] as? String == "rejected")
                    #expect(response["error"] as? String == reason)
                    #expect(response["alert_id"] as? String == id)
                }
                try observer.publish("operators/owner@example.com/alerts/00000000-0000-0000-0000-000000000009/ack", "")
                try observer.publish("operators/owner@example.com/alerts/not-a-uuid/resolve", "")
                try await waitUntil("the unknown alerts' answers") { observer.received.count == cases.count + 2 }
                for message in observer.received.suffix(2) {
                    #expect(jsonObject(message.payloadString)["error"] as? String == "unknown alert")
                }
                #expect(try f.sql("SELECT row_to_json(a)::text FROM alerts a") == before)
                #expect(try f.count("SELECT count(*) FROM audit_logs WHERE entity_type = 'alert'") == 0)
            }
        }
    }
}
