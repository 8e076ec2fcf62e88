import Foundation
import Testing
import TestSupport

extension ControlIntegrationTests {
    /// CONTRACT §4 "Alerts", through the real binary, broker and database.
    @Suite("Threshold alerts (contract)")
    struct ThresholdAlertContractTests {
        @Test("raised after for_s: one alerts row, the owner's notification (critical → urgent), published; current_value follows; no second alert while open")
        func raiseAfterForSeconds() async throws {
            try await IngestFixture.withAlerts(forSeconds: 1, severity: "critical") { f in
                let owner = try f.makeOwner()
                let observer = try await f.probe(["alerts/#"])
                defer { observer.close() }
                let clock = ContinuousClock()
                try f.temperature(85)
                let sent = clock.now
                try await f.expectSQL("SELECT count(*) FROM alerts WHERE alert_type = 'threshold'", "1")
                #expect(clock.now - sent >= .seconds(1))
                #expect(try f.thresholdAlert("severity || ' ' || trigger_value || ' ' || current_value || ' ' || escalation_level || ' ' || auto_resolve || ' ' || resolved || ' ' || acknowledged")
                        == "critical 85.0000 85.0000 1 true false false")
                let config = jsonObject(try f.thresholdAlert("threshold_config::text"))
                #expect(config["name"] as? String == "hot")
                #expect(config["sensor"] as? String == "temperature")
                #expect(config["above"] as? Double == 80)
                #expect(config["hysteresis"] as? Double == 2)
                #expect(config["for_s"] as? Double == 1)
                #expect(config["severity"] as? String == "critical")
                #expect(config["auto_resolve"] as? Bool == true)
                #expect(try f.thresholdAlert("title") == "Kitchen sensor: temperature above 80")
                try await f.expectSQL("SELECT count(*) || ' ' || string_agg(user_id::text || ' ' || priority || ' ' || type, ',') FROM notifications",
                                      "1 \(owner) urgent alert")
                let raised = try await observer.waitForMessage(on: "alerts/sn-kitchen")
                let payload = jsonObject(raised.payloadString)
                #expect(payload["alert_id"] as? String == (try f.thresholdAlert("id")))
                #expect(payload["event"] as? String == "raised")
                #expect(payload["alert_type"] as? String == "threshold")
                #expect(payload["severity"] as? String == "critical")
                #expect(payload["escalation_level"] as? Int == 1)
                #expect(payload["title"] as? String == "Kitchen sensor: temperature above 80")
                #expect(payload["current_value"] as? Double == 85)

                // Two messages a few ms apart, still hot: the same alert, current_value follows.
                try f.temperature(90)
                try f.temperature(91.5)
                try await f.expectSQL("SELECT current_value FROM alerts WHERE alert_type = 'threshold'", "91.5000")
                #expect(try f.count("SELECT count(*) FROM alerts") == 1)
                #expect(try f.count("SELECT count(*) FROM notifications") == 1)
                #expect(observer.alertEvents("sn-kitchen", "raised").count == 1)
            }
        }

        @Test("two readings a few ms apart beyond the bound make one alert; no owner, no notification")
        func burstMakesOneAlert() async throws {
            try await IngestFixture.withAlerts { f in
                // Distinct timestamps a few milliseconds apart (same-ts readings would be one row).
                let ms = Int64(Date().timeIntervalSince1970 * 1000)
                try f.device.publish("devices/sn-kitchen/telemetry", #"{"ts": \#(ms), "temperature": 90}"#)
                try f.device.publish("devices/sn-kitchen/telemetry", #"{"ts": \#(ms + 3), "temperature": 95}"#)
                try f.device.publish("devices/sn-kitchen/telemetry", #"[{"ts": \#(ms + 5), "temperature": 96}, {"ts": \#(ms + 7), "temperature": 97}]"#)
                try await f.expectSQL("SELECT count(*) FROM sensor_readings", "4")
                try await f.expectSQL("SELECT count(*) || ' ' || max(current_value) FROM alerts WHERE alert_type = 'threshold'", "1 97.0000")
                #expect(try f.count("SELECT count(*) FROM notifications") == 0)
            }
        }

        @Test("auto-resolve needs the value back inside by hysteresis; then a new excursion raises a new alert")
        func hysteresis() async throws {
            try await IngestFixture.withAlerts { f in
                let observer = try await f.probe(["alerts/#"])
                defer { observer.close() }
                try f.temperature(85)
                try await f.expectSQL("SELECT count(*) FROM alerts WHERE alert_type = 'threshold'", "1")
                // Inside the bound, but not by the hysteresis (80 − 2 = 78): still open.
                try f.temperature(79)
                try await f.expectSQL("SELECT current_value || ' ' || resolved FROM alerts WHERE alert_type = 'threshold'", "79.0000 false")
                try f.temperature(78.5)
                try await f.expectSQL("SELECT current_value || ' ' || resolved FROM alerts WHERE alert_type = 'threshold'", "78.5000 false")
                try f.temperature(78)
                try await f.expectSQL("SELECT resolved || ' ' || (resolved_at IS NOT NULL) || ' ' || (resolved_by IS NULL) || ' ' || current_value FROM alerts WHERE alert_type = 'threshold'",
                                      "true true true 78.0000")
                let resolved = try await observer.waitForMessage(on: "alerts/sn-kitchen") { jsonObject($0.payloadString)["event"] as? String == "resolved" }
                #expect(jsonObject(resolved.payloadString)["current_value"] as? Double == 78)
                try f.temperature(81)
                try await f.expectSQL("SELECT count(*) || ' ' || count(*) FILTER (WHERE resolved) FROM alerts WHERE alert_type = 'threshold'", "2 1")
            }
        }

        @Test("unacknowledged, it escalates every escalate_after_s up to max_escalation_level, with a notification each time")
        func escalation() async throws {
            try await IngestFixture.withAlerts(severity: "medium", escalateAfter: 1, maxLevel: 3) { f in
                let owner = try f.makeOwner()
                let observer = try await f.probe(["alerts/#"])
                defer { observer.close() }
                let clock = ContinuousClock()
                try f.temperature(85)
                try await f.expectSQL("SELECT escalation_level FROM alerts WHERE alert_type = 'threshold'", "1")
                let raisedAt = clock.now
                try await f.expectSQL("SELECT escalation_level FROM alerts WHERE alert_type = 'threshold'", "3", timeout: .seconds(10))
                #expect(clock.now - raisedAt >= .milliseconds(1500))
                try await f.expectSQL("SELECT count(*) || ' ' || count(DISTINCT priority) || ' ' || min(priority) || ' ' || count(DISTINCT user_id) FROM notifications WHERE user_id = '\(owner)'",
                                      "3 1 normal 1")
                try await waitUntil("two escalated events") { observer.alertEvents("sn-kitchen", "escalated").count == 2 }
                #expect(observer.alertEvents("sn-kitchen", "escalated").compactMap { $0["escalation_level"] as? Int } == [2, 3])
                // At the maximum: no more escalation, no more notifications.
                try await Task.sleep(for: .milliseconds(1500))
                #expect(try f.thresholdAlert("escalation_level") == "3")
                #expect(try f.count("SELECT count(*) FROM notifications") == 3)
            }
        }

        @Test("a device overrides a configured rule by name and adds one in devices.configuration.alert_rules")
        func deviceRules() async throws {
            try await IngestFixture.withAlerts { f in
                _ = try f.sql("""
                    UPDATE devices SET configuration = '{"alert_rules":[{"name":"hot","sensor":"temperature","above":30,"severity":"low"},{"name":"damp","sensor":"Humidity","above":60,"severity":"medium"}]}'
                    WHERE serial_number = 'sn-kitchen'
                    """)
                try await Task.sleep(for: .milliseconds(300))
                try f.device.publish("devices/sn-kitchen/telemetry", #"{"temperature": 50, "humidity": 70}"#)
                try f.device.publish("devices/02:00:00:00:00:02/telemetry", #"{"temperature": 50, "humidity": 70}"#)
                try await f.expectSQL("SELECT count(*) FROM sensor_readings", "4")
                try await f.expectSQL("SELECT string_agg(threshold_config ->> 'name' || ' ' || severity || ' ' || trigger_value, ',' ORDER BY threshold_config ->> 'name') FROM alerts WHERE alert_type = 'threshold'",
                                      "damp medium 70.0000,hot low 50.0000")
                #expect(try f.thresholdAlert("(threshold_config ->> 'above')") == "30")
                #expect(try f.count("SELECT count(*) FROM alerts a JOIN devices d ON d.id = a.device_id WHERE d.mac_address = '02:00:00:00:00:02'") == 0)
                // The configured rule still applies to the other device.
                try f.temperature(85, device: "02:00:00:00:00:02")
                try await f.expectSQL("SELECT count(*) FROM alerts a JOIN devices d ON d.id = a.device_id WHERE d.mac_address = '02:00:00:00:00:02' AND a.severity = 'high'", "1")
            }
        }

        @Test("restarting the gateway raises no second alert for a condition already alerted")
        func restart() async throws {
            try await IngestFixture.withAlerts(escalateAfter: 2, maxLevel: 2) { f in
                try f.makeOwner()
                try f.temperature(85)
                try await f.expectSQL("SELECT count(*) FROM alerts WHERE alert_type = 'threshold'", "1")
                let id = try f.thresholdAlert("id")
                try await f.restartGateway()
                #expect(f.gateway.log.contains("alerts ready open_threshold_alerts=1"))
                let observer = try await f.probe(["alerts/#"])
                defer { observer.close() }
                try f.temperature(90)
                try f.temperature(91)
                try await f.expectSQL("SELECT current_value FROM alerts WHERE alert_type = 'threshold'", "91.0000")
                #expect(try f.count("SELECT count(*) FROM alerts") == 1)
                #expect(try f.thresholdAlert("id") == id)
                // Escalation carries on from the stored state: level 2, one more notification, and nothing raised.
                try await f.expectSQL("SELECT escalation_level FROM alerts WHERE alert_type = 'threshold'", "2")
                try await f.expectSQL("SELECT count(*) FROM notifications", "2")
                #expect(observer.alertEvents("sn-kitchen", "raised").isEmpty)
            }
        }
    }
}
