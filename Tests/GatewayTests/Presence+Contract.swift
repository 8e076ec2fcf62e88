import Foundation
@_spi(Testing) import MQTT
import Testing
import TestSupport

extension ControlIntegrationTests {
    /// CONTRACT §4 "Presence", bullet by bullet, through the real binary, broker and database.
    @Suite("Presence (contract)")
    struct PresenceContractTests {
        @Test("any message from a device sets last_seen and status online")
        func anyMessageMarksOnline() async throws {
            try await IngestFixture.withControl { f in
                #expect(try f.device("status") == "offline")
                try f.device.publish("devices/sn-kitchen/sensors/temperature", "21.5")
                try await f.expectSQL("SELECT status || ' ' || (last_seen IS NOT NULL) FROM devices WHERE serial_number = 'sn-kitchen'", "online true")
                // A command ack (for a command nobody knows) is a message from the device too.
                try f.device.publish("devices/02:00:00:00:00:02/commands/00000000-0000-0000-0000-000000000001/ack", "")
                try await f.expectSQL("SELECT status || ' ' || (last_seen IS NOT NULL) FROM devices WHERE mac_address = '02:00:00:00:00:02'", "online true")
                #expect(try f.device("last_heartbeat IS NULL") == "t")
            }
        }

        @Test("a heartbeat sets last_heartbeat and firmware_version (when given)")
        func heartbeat() async throws {
            try await IngestFixture.withControl { f in
                try f.device.publish("devices/sn-kitchen/heartbeat", #"{"uptime_s":1234,"firmware":"1.4.2","rssi":-61}"#)
                try f.device.publish("devices/02:00:00:00:00:02/heartbeat", "")
                try await f.expectSQL("SELECT status || ' ' || firmware_version || ' ' || (last_heartbeat IS NOT NULL) || ' ' || (last_seen = last_heartbeat) FROM devices WHERE serial_number = 'sn-kitchen'", "online 1.4.2 true true")
                try await f.expectSQL("SELECT status || ' ' || COALESCE(firmware_version, '-') || ' ' || (last_heartbeat IS NOT NULL) FROM devices WHERE mac_address = '02:00:00:00:00:02'", "online - true")
            }
        }

        @Test("offline on the status topic sets offline and raises one device_offline alert, published on alerts/{device}; online resolves it")
        func statusOfflineAlertAndResolve() async throws {
            try await IngestFixture.withControl(presence: "offline_alert_severity: high") { f in
                let observer = try await f.probe(["alerts/#"])
                defer { observer.close() }
                try f.device.publish("devices/sn-kitchen/status", "online")
                try await f.expectSQL("SELECT status FROM devices WHERE serial_number = 'sn-kitchen'", "online")
                try f.device.publish("devices/sn-kitchen/status", "offline")
                try await f.expectSQL("SELECT status FROM devices WHERE serial_number = 'sn-kitchen'", "offline")
                try await f.expectSQL("SELECT count(*) || ' ' || string_agg(severity || ' ' || resolved::text || ' ' || escalation_level, ',') FROM alerts WHERE alert_type = 'device_offline'", "1 high false 1")
                let raised = jsonObject(try await observer.waitForMessage(on: "alerts/sn-kitchen").payloadString)
                let alertID = try f.sql("SELECT id FROM alerts WHERE alert_type = 'device_offline'")
                #expect(raised["alert_id"] as? String == alertID)
                #expect(raised["event"] as? String == "raised")
                #expect(raised["alert_type"] as? String == "device_offline")
                #expect(raised["severity"] as? String == "high")
                #expect(raised["escalation_level"] as? Int == 1)
                #expect((raised["title"] as? String)?.isEmpty == false)
                #expect(raised["current_value"] is NSNull)

                try f.device.publish("devices/sn-kitchen/status", "online")
                try await f.expectSQL("SELECT status FROM devices WHERE serial_number = 'sn-kitchen'", "online")
                try await f.expectSQL("SELECT resolved::text || ' ' || (resolved_at IS NOT NULL) || ' ' || (resolved_by IS NULL) FROM alerts WHERE alert_type = 'device_offline'", "true true true")
                let resolved = try await observer.waitForMessage(on: "alerts/sn-kitchen") { jsonObject($0.payloadString)["event"] as? String == "resolved" }
                #expect(jsonObject(resolved.payloadString)["alert_id"] as? String == alertID)
                #expect(try f.count("SELECT count(*) FROM alerts") == 1)
            }
        }

        @Test("silence for offline_after_s sets offline and raises the alert")
        func silence() async throws {
            try await IngestFixture.withControl(presence: "offline_after_s: 2") { f in
                let clock = ContinuousClock()
                try f.device.publish("devices/sn-kitchen/heartbeat", "")
                let sent = clock.now
                try await f.expectSQL("SELECT status FROM devices WHERE serial_number = 'sn-kitchen'", "online")
                try await f.expectSQL("SELECT status FROM devices WHERE serial_number = 'sn-kitchen'", "offline", timeout: .seconds(10))
                #expect(clock.now - sent >= .seconds(2))
                try await f.expectSQL("SELECT count(*) FROM alerts WHERE alert_type = 'device_offline' AND resolved IS NOT TRUE", "1")
                // The stored counters end exactly at the deadline: last_seen + 2 s online, nothing more.
                #expect(try f.device("uptime_seconds") == "2")
            }
        }

        @Test("a will that arrives after the device reconnected does not mark it offline (LWT race)")
        func staleWill() async throws {
            try await IngestFixture.withControl { f in
                let will = MQTTClient.Will(topic: "devices/sn-kitchen/status", payload: Array("offline".utf8), qos: .atLeastOnce)
                let observer = try await f.probe(["devices/sn-kitchen/status"])
                defer { observer.close() }
                let first = try await f.probe([], will: will)
                try first.publish("devices/sn-kitchen/status", "online")
                try await f.expectSQL("SELECT status FROM devices WHERE serial_number = 'sn-kitchen'", "online")
                // The device reconnects (a new connection announces itself) before the broker notices the old one died.
                let second = try await f.probe([], will: will)
                defer { second.close() }
                try second.publish("devices/sn-kitchen/status", "online")
                try await waitUntil("the broker to pass on the second online") { observer.received(on: "devices/sn-kitchen/status").count >= 2 }
                first.client.dropConnectionForTesting()
                try await observer.waitForMessage(on: "devices/sn-kitchen/status") { $0.payloadString == "offline" }
                first.close()
                try await f.gateway.waitForLog("ignored an offline status overtaken by a reconnect")
                // A clean stop writes every device: what is stored is the gateway's final view.
                #expect(await f.gateway.terminate() == 0)
                // Shutdown order: intake, then the ring drained, then presence written, then commands.
                let log = f.gateway.log
                let order = ["mqtt intake stopping", "ingest drained", "presence stopped", "commands stopped"].map {
                    log.range(of: $0)?.lowerBound
                }
                #expect(order.allSatisfy { $0 != nil } && order.map { $0! } == order.map { $0! }.sorted(), "log:\n\(log.suffix(3000))")
                #expect(try f.device("status") == "online")
                #expect(try f.count("SELECT count(*) FROM alerts WHERE alert_type = 'device_offline'") == 0)
            }
        }

        @Test("uptime_seconds and total_downtime_seconds count time online and offline, across a gateway restart")
        func counters() async throws {
            try await IngestFixture.withControl { f in
                let clock = ContinuousClock()
                try f.device.publish("devices/sn-kitchen/status", "online")
                try await f.expectSQL("SELECT status FROM devices WHERE serial_number = 'sn-kitchen'", "online")
                let online = clock.now
                try await Task.sleep(until: online + .milliseconds(2300))
                try f.device.publish("devices/sn-kitchen/status", "offline")
                try await f.expectSQL("SELECT status FROM devices WHERE serial_number = 'sn-kitchen'", "offline")
                let offline = clock.now
                let uptime = try #require(Int(f.device("uptime_seconds")))
                #expect(uptime >= 2 && uptime <= Int((offline - online).components.seconds) + 1)
                try await Task.sleep(until: offline + .milliseconds(2300))
                try f.device.publish("devices/sn-kitchen/status", "online")
                try await f.expectSQL("SELECT status FROM devices WHERE serial_number = 'sn-kitchen'", "online")
                let downtime = try #require(Int(f.device("total_downtime_seconds")))
                #expect(downtime >= 2)
                // Back online: uptime grows again only from now on.
                let uptimeBack = try #require(Int(f.device("uptime_seconds")))
                #expect(uptimeBack >= uptime && uptimeBack <= uptime + 1)

                // Restart: the counters carry on from the stored microseconds (never decrease, never jump).
                #expect(await f.gateway.terminate() == 0)
                let stoppedUptime = try #require(Int(f.device("uptime_seconds")))
                #expect(stoppedUptime >= uptime)
                try await f.startGatewayAgain()
                try await f.waitForControl()
                try f.device.publish("devices/sn-kitchen/heartbeat", "")
                let restarted = clock.now
                try await Task.sleep(until: restarted + .milliseconds(2300))
                try f.device.publish("devices/sn-kitchen/status", "offline")
                try await f.expectSQL("SELECT status FROM devices WHERE serial_number = 'sn-kitchen'", "offline")
                let finalUptime = try #require(Int(f.device("uptime_seconds")))
                #expect(finalUptime >= stoppedUptime + 2)
                // The gateway outage is counted neither way: downtime grew only by the moments before the final write.
                let finalDowntime = try #require(Int(f.device("total_downtime_seconds")))
                #expect(finalDowntime >= downtime && finalDowntime <= downtime + 1)
            }
        }
    }
}
