import Foundation
import Testing
import TestSupport

/// CONTRACT §7, row by row: ESPHome and Tasmota devices through the real binary, broker and database.
@Suite("Device conventions (contract)", .serialized, .timeLimit(.minutes(3)))
struct ConventionContractTests {
    static let allConventions = "conventions: [native, esphome, tasmota]"

    /// An hour ago, whole seconds: inside retention whenever the tests run.
    static let base = (Int64(Date().timeIntervalSince1970) / 60 - 60) * 60

    /// `base + offset` as a civil time in `zone`, without offset, as Tasmota writes `Time`.
    static func localTime(_ offset: Int64, zone: String) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: zone)
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss"
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(base + offset)))
    }

    /// `base + offset` as PostgreSQL prints a UTC `TIMESTAMP`.
    static func utc(_ offset: Int64) -> String { localTime(offset, zone: "UTC").replacingOccurrences(of: "T", with: " ") }

    static func reading(_ sensor: String, device: String = "sn-kitchen") -> String {
        """
        SELECT string_agg(r.value::text, ',' ORDER BY r.timestamp) FROM sensor_readings r
        JOIN sensor_types t ON t.id = r.sensor_type_id JOIN devices d ON d.id = r.device_id
        WHERE t.name = '\(sensor)' AND d.serial_number = '\(device)'
        """
    }

    static let hotRule = """
        alerts:
          rules:
            - {name: hot, sensor: temperature, above: 80}

        """

    @Test("ESPHome: sensor and binary_sensor states become readings at receive time, sensor_map maps object ids, nan and unknown ids are rejected, status is presence, alerts fire")
    func esphome() async throws {
        let setup = """
            UPDATE devices SET configuration = '{"sensor_map": {"living_room_temperature": "temperature"}}'
            WHERE serial_number = 'sn-kitchen'
            """
        try await IngestFixture.with(ingest: Self.allConventions, extra: IngestFixture.controlConfig() + Self.hotRule, setup: setup) { f in
            try await f.waitForControl()
            try await f.gateway.waitForLog("alerts ready")
            try await f.waitForSubscriptions(16)
            let before = Int64(Date().timeIntervalSince1970) - 1
            try f.device.publish("sn-kitchen/status", "online", retain: true)
            try await f.expectSQL("SELECT status FROM devices WHERE serial_number = 'sn-kitchen'", "online")
            try f.device.publish("sn-kitchen/sensor/living_room_temperature/state", "21.50")
            try f.device.publish("sn-kitchen/sensor/humidity/state", "40.2")
            try f.device.publish("sn-kitchen/binary_sensor/motion/state", "ON")
            try f.device.publish("sn-kitchen/binary_sensor/motion/state", "OFF")
            try f.device.publish("sn-kitchen/sensor/pressure/state", "nan")
            try f.device.publish("sn-kitchen/sensor/flux_density/state", "1.5")
            try f.device.publish("AA:BB:CC:00:00:01/sensor/living_room_temperature/state", "95")  // the same device by MAC: alert
            try await f.expectCount("SELECT count(*) FROM sensor_readings", 5)
            #expect(try f.sql(Self.reading("temperature")) == "21.5000,95.0000")
            #expect(try f.sql(Self.reading("humidity")) == "40.2000")
            #expect(try f.sql(Self.reading("motion")) == "1.0000,0.0000")
            // Receive time: between the test's start and now.
            #expect(try f.count("SELECT count(*) FROM sensor_readings WHERE timestamp < to_timestamp(\(before)) AT TIME ZONE 'UTC' OR timestamp > (now() AT TIME ZONE 'UTC') + interval '5 seconds'") == 0)
            try await f.expectCount("SELECT count(*) FROM ingest_rejects", 2)
            let nan = try f.sql("SELECT topic || ' | ' || detail FROM ingest_rejects WHERE reason = 'malformed_payload'")
            #expect(nan.hasPrefix("sn-kitchen/sensor/pressure/state | "))
            #expect(nan.contains("nan"))
            let unknown = try f.sql("SELECT detail FROM ingest_rejects WHERE reason = 'unknown_sensor'")
            #expect(unknown.contains("\"flux_density\"") && unknown.contains("sensor_map"))
            try await f.expectSQL("SELECT alert_type || ' ' || trigger_value::text FROM alerts WHERE alert_type = 'threshold'", "threshold 95.0000")

            try f.device.publish("sn-kitchen/status", "offline", retain: true)
            try await f.expectSQL("SELECT status FROM devices WHERE serial_number = 'sn-kitchen'", "offline")
            try await f.expectSQL("SELECT count(*) FROM alerts WHERE alert_type = 'device_offline'", "1")
        }
    }

    @Test("Tasmota: SENSOR leaves become readings with Time in the device's zone (Europe/Berlin → UTC), a duplicate is stored once, a bad zone is a reject, LWT is presence, STATE a heartbeat")
    func tasmota() async throws {
        let setup = """
            UPDATE devices SET timezone = 'Europe/Berlin' WHERE serial_number = 'sn-kitchen';
            INSERT INTO devices (name, device_type, serial_number, timezone, configuration) VALUES
              ('Boiler', 'tasmota', 'boiler', NULL, '{"sensor_map": {"DS18B20-2.Temperature": "cpu_temperature"}}'),
              ('Lost', 'tasmota', 'lost', 'Mars/Olympus_Mons', '{}')
            """
        try await IngestFixture.with(ingest: Self.allConventions, extra: IngestFixture.controlConfig(), setup: setup) { f in
            try await f.waitForControl()
            try await f.waitForSubscriptions(16)
            // Tasmota's birth on connecting, before its telemetry (a later Online while online would
            // announce a reconnect, and the next Offline be taken for the old connection's will).
            try f.device.publish("tele/boiler/LWT", "Online", retain: true)
            try await f.expectSQL("SELECT status FROM devices WHERE serial_number = 'boiler'", "online")
            #expect(try f.device("last_heartbeat IS NULL", "boiler") == "t")
            let berlin = #"{"Time":"\#(Self.localTime(0, zone: "Europe/Berlin"))","AM2301":{"Temperature":21.5,"Humidity":40.2},"TempUnit":"C"}"#
            try f.device.publish("tele/sn-kitchen/SENSOR", berlin)
            try f.device.publish("tele/sn-kitchen/SENSOR", berlin)  // a duplicate (QoS 1 redelivery, a retry)
            try f.device.publish("tele/boiler/SENSOR",
                                 #"{"Time":"\#(Self.localTime(60, zone: "UTC"))","DS18B20-1":{"Id":"01","Temperature":55.5},"DS18B20-2":{"Id":"02","Temperature":48},"TempUnit":"C"}"#)
            try f.device.publish("tele/lost/SENSOR", #"{"Time":"\#(Self.localTime(0, zone: "UTC"))","SI7021":{"Temperature":20}}"#)
            try await f.expectCount("SELECT count(*) FROM sensor_readings", 4)
            try await Task.sleep(for: .milliseconds(600))  // give a wrong duplicate time to show up
            #expect(try f.count("SELECT count(*) FROM sensor_readings") == 4)
            #expect(try f.sql("SELECT string_agg(DISTINCT to_char(timestamp, 'YYYY-MM-DD HH24:MI:SS'), ',') FROM sensor_readings r JOIN devices d ON d.id = r.device_id WHERE d.serial_number = 'sn-kitchen'") == Self.utc(0))
            #expect(try f.sql(Self.reading("temperature")) == "21.5000")
            #expect(try f.sql(Self.reading("humidity")) == "40.2000")
            // No zone: UTC; sensor_map names the second probe.
            #expect(try f.sql(Self.reading("temperature", device: "boiler")) == "55.5000")
            #expect(try f.sql(Self.reading("cpu_temperature", device: "boiler")) == "48.0000")
            #expect(try f.sql("SELECT DISTINCT to_char(timestamp, 'YYYY-MM-DD HH24:MI:SS') FROM sensor_readings r JOIN devices d ON d.id = r.device_id WHERE d.serial_number = 'boiler'") == Self.utc(60))
            try await f.expectCount("SELECT count(*) FROM ingest_rejects", 1)
            let lost = try f.sql("SELECT reason || ' | ' || detail FROM ingest_rejects")
            #expect(lost.hasPrefix("malformed_payload | "))
            #expect(lost.contains("devices.timezone \"Mars/Olympus_Mons\" is not an IANA time zone name"))

            try f.device.publish("tele/boiler/STATE", #"{"Time":"2026-12-04T10:00:00","UptimeSec":3723,"Wifi":{"RSSI":78,"Signal":-61}}"#)
            try await f.expectSQL("SELECT last_heartbeat IS NOT NULL FROM devices WHERE serial_number = 'boiler'", "t")
            try f.device.publish("tele/boiler/LWT", "Offline", retain: true)
            try await f.expectSQL("SELECT status FROM devices WHERE serial_number = 'boiler'", "offline")
        }
    }

    @Test("a convention that is off is not subscribed and stores nothing")
    func offStoresNothing() async throws {
        let port = try freeLoopbackPort()
        try await IngestFixture.with(httpPort: port) { f in
            try await f.waitForSubscriptions(10)
            #expect(f.gateway.log.contains("conventions=native"))
            #expect(!f.gateway.log.contains("+/sensor/+/state"))
            #expect(!f.gateway.log.contains("tele/+/"))
            try f.device.publish("sn-kitchen/sensor/temperature/state", "21.5")
            try f.device.publish("sn-kitchen/status", "online")
            try f.device.publish("tele/sn-kitchen/SENSOR", #"{"AM2301":{"Temperature":21.5}}"#)
            try f.device.publish("tele/sn-kitchen/LWT", "Online")
            try f.device.publish("devices/sn-kitchen/sensors/humidity", "40")  // native, published last
            try await f.expectCount("SELECT count(*) FROM sensor_readings", 1)
            #expect(try f.sql(Self.reading("humidity")) == "40.0000")
            #expect(try f.count("SELECT count(*) FROM ingest_rejects") == 0)
            // The broker delivered the native message only: the others matched no subscription.
            #expect(f.metric("mash_mqtt_messages_received_total", port: port) == 1)
        }
    }

    @Test("with mqtt.shared_group, readings topics go through $share/<group>/ and presence topics are subscribed by every instance")
    func sharedGroup() async throws {
        try await IngestFixture.with(ingest: "conventions: [esphome, tasmota]", mqtt: "shared_group: fleet") { f in
            try await f.waitForSubscriptions(10)
            let log = f.gateway.log
            for shared in ["$share/fleet/+/sensor/+/state", "$share/fleet/+/binary_sensor/+/state", "$share/fleet/tele/+/SENSOR"] {
                #expect(log.contains(shared), "\(shared) not subscribed")
            }
            for direct in ["filter=+/status", "filter=tele/+/STATE", "filter=tele/+/LWT"] {
                #expect(log.contains(direct), "\(direct) not subscribed directly")
            }
            #expect(!log.contains("devices/+/telemetry"))
            try f.device.publish("sn-kitchen/sensor/temperature/state", "21.5")
            try f.device.publish("tele/sn-kitchen/SENSOR", #"{"SHT3X":{"Humidity":40}}"#)
            try await f.expectCount("SELECT count(*) FROM sensor_readings", 2)
        }
    }
}

extension IngestFixture {
    func waitForSubscriptions(_ count: Int) async throws { try await gateway.waitForSubscriptions(count) }
}
