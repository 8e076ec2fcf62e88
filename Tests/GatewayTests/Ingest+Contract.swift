import Foundation
import Testing
import TestSupport

/// CONTRACT §4 "Ingestion", bullet by bullet, through the real binary, broker and database.
@Suite("Ingestion (contract)")
struct IngestContractTests {
    /// An hour ago, whole seconds: inside the default retention whenever the tests run.
    static let base = (Int64(Date().timeIntervalSince1970) / 60 - 60) * 60
    static func iso(_ offsetSeconds: Int64, zone: String = "Z") -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = zone == "Z" ? TimeZone(identifier: "UTC") : TimeZone(secondsFromGMT: 7200)
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(base + offsetSeconds)))
    }
    static func hms(_ offsetSeconds: Int64) -> String {
        let formatter = DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(base + offsetSeconds)))
    }

    @Test("every telemetry form, plain sensor topics and every timestamp format become rows, in UTC")
    func formsAndTimestamps() async throws {
        try await IngestFixture.with() { f in
            try f.device.publish("devices/sn-kitchen/telemetry", #"{"ts":"\#(Self.iso(0, zone: "+02:00"))","readings":{"temperature":21.5,"humidity":40.2}}"#)
            try f.device.publish("devices/sn-kitchen/telemetry", #"{"ts":\#(Self.base * 1000),"readings":[{"sensor":"pressure","value":1013.25,"quality":"uncertain","ts":\#(Self.base + 1),"metadata":{"src":"bme280"}}]}"#)
            try f.device.publish("devices/aabbcc000001/telemetry", #"{"co2":612,"ts":\#(Self.base + 2).5}"#)
            try f.device.publish("devices/02:00:00:00:00:02/telemetry", #"[{"ts":\#((Self.base + 3) * 1000),"readings":{"battery":87}},{"ts":\#((Self.base + 4) * 1000),"readings":{"battery":86}}]"#)
            try f.device.publish("devices/SN-KITCHEN-NOPE/telemetry", #"{"temperature":1}"#)  // unknown: serials are exact
            try f.device.publish("devices/sn-kitchen/sensors/Motion", "ON")
            try await f.expectCount("SELECT count(*) FROM sensor_readings", 7)
            #expect(try f.sql("SELECT to_char(timestamp, 'YYYY-MM-DD HH24:MI:SS') FROM sensor_readings r JOIN sensor_types t ON t.id = r.sensor_type_id WHERE t.name = 'temperature'") == Self.hms(0))
            #expect(try f.sql("SELECT value::text || ' ' || quality_indicator || ' ' || (metadata->>'src') FROM sensor_readings r JOIN sensor_types t ON t.id = r.sensor_type_id WHERE t.name = 'pressure'") == "1013.2500 uncertain bme280")
            #expect(try f.sql("SELECT to_char(timestamp, 'YYYY-MM-DD HH24:MI:SS.MS') FROM sensor_readings r JOIN sensor_types t ON t.id = r.sensor_type_id WHERE t.name = 'co2'") == Self.hms(2) + ".500")
            #expect(try f.sql("SELECT value::text FROM sensor_readings r JOIN sensor_types t ON t.id = r.sensor_type_id WHERE t.name = 'motion'") == "1.0000")
            try await f.expectCount("SELECT count(*) FROM ingest_rejects WHERE reason = 'unknown_device'", 1)
        }
    }

    @Test("a reading repeated with the same device, sensor and ts is stored once (also across batches)")
    func exactlyOnce() async throws {
        try await IngestFixture.with() { f in
            let message = #"{"ts":\#(Self.base * 1000),"readings":{"temperature":20.0,"humidity":50}}"#
            for _ in 0..<3 { try f.device.publish("devices/sn-kitchen/telemetry", message) }
            try await f.expectCount("SELECT count(*) FROM sensor_readings", 2)
            // A later batch with the same readings again (a replayed backlog) plus one new one.
            try f.device.publish("devices/sn-kitchen/telemetry", #"[{"ts":\#(Self.base * 1000),"readings":{"temperature":20.0,"humidity":50}},{"ts":\#((Self.base + 60) * 1000),"readings":{"temperature":20.5}}]"#)
            try await f.expectCount("SELECT count(*) FROM sensor_readings", 3)
            try await Task.sleep(for: .milliseconds(600))  // give a wrong duplicate time to show up
            #expect(try f.count("SELECT count(*) FROM sensor_readings") == 3)
        }
    }

    @Test("what cannot be stored goes to ingest_rejects with the contract's reason; valid readings of the same message are kept")
    func rejects() async throws {
        try await IngestFixture.with(ingest: "max_payload_bytes: 2048") { f in
            try f.device.publish("devices/sn-kitchen/telemetry", "{not json")
            try f.device.publish("devices/sn-kitchen/telemetry", String(repeating: "x", count: 5000))
            try f.device.publish("devices/unknown-device/telemetry", #"{"temperature":1}"#)
            try f.device.publish("devices/sn-kitchen/telemetry", #"{"ts":\#(Self.base * 1000),"readings":{"temperature":21,"flux_capacitor":1.21,"humidity":123456789012.5}}"#)
            try f.device.publish("devices/sn-kitchen/telemetry", #"{"ts":"1999-12-31T23:59:59Z","readings":{"temperature":21}}"#)
            try await f.expectCount("SELECT count(*) FROM ingest_rejects", 6)
            let reasons = try f.sql("SELECT string_agg(reason, ',' ORDER BY reason) FROM ingest_rejects")
            #expect(reasons == "malformed_payload,payload_too_large,timestamp_out_of_range,unknown_device,unknown_sensor,value_out_of_range")
            #expect(try f.count("SELECT count(*) FROM sensor_readings") == 1)  // the valid temperature of the mixed message
            #expect(try f.sql("SELECT topic FROM ingest_rejects WHERE reason = 'unknown_sensor'") == "devices/sn-kitchen/telemetry")
            #expect(try f.sql("SELECT convert_from(payload, 'UTF8') FROM ingest_rejects WHERE reason = 'malformed_payload'") == "{not json")
            #expect(try f.sql("SELECT detail FROM ingest_rejects WHERE reason = 'unknown_sensor'").contains("flux_capacitor"))
        }
    }

    @Test("outside the sensor type's min/max → quality bad; a ts > 5 min in the future → receive time, uncertain, original in metadata.device_ts")
    func qualityRules() async throws {
        try await IngestFixture.with() { f in
            try f.device.publish("devices/sn-kitchen/telemetry", #"{"ts":\#(Self.base * 1000),"readings":{"temperature":500}}"#)
            try f.device.publish("devices/sn-kitchen/telemetry", #"{"ts":"2099-01-01T00:00:00Z","readings":{"humidity":40}}"#)
            try await f.expectCount("SELECT count(*) FROM sensor_readings", 2)
            #expect(try f.sql("SELECT quality_indicator FROM sensor_readings r JOIN sensor_types t ON t.id = r.sensor_type_id WHERE t.name = 'temperature'") == "bad")
            let future = try f.sql("""
                SELECT quality_indicator || ' ' || (metadata->>'device_ts') || ' ' || (abs(extract(epoch FROM (timestamp - (now() AT TIME ZONE 'UTC')))) < 120)::text
                FROM sensor_readings r JOIN sensor_types t ON t.id = r.sensor_type_id WHERE t.name = 'humidity'
                """)
            #expect(future == "uncertain 2099-01-01T00:00:00Z true")
        }
    }

    @Test("partitions exist for any timestamp inside retention, created on demand")
    func partitionsOnDemand() async throws {
        try await IngestFixture.with(extra: "partitions:\n  interval: week\n  retention_days: 3650") { f in
            try f.device.publish("devices/sn-kitchen/telemetry", #"[{"ts":"2020-02-29T12:00:00Z","readings":{"temperature":1}},{"ts":"2024-12-31T23:59:59Z","readings":{"temperature":2}},{"ts":"2025-01-01T00:00:00Z","readings":{"temperature":3}}]"#)
            try await f.expectCount("SELECT count(*) FROM sensor_readings", 3)
            #expect(try f.count("SELECT count(DISTINCT tableoid) FROM sensor_readings") == 2 || (try f.count("SELECT count(DISTINCT tableoid) FROM sensor_readings")) == 3)
            #expect(try f.count("SELECT count(*) FROM sensor_readings_w20200224") == 1)
        }
    }

    @Test("partitions are made ahead at start, and partitions wholly older than retention_days are dropped")
    func partitionMaintenance() async throws {
        let postgres = try await TestPostgres.shared()
        let database = try await postgres.migratedDatabase()
        let name = String(database.split(separator: "/").last!)
        _ = try postgres.psql("SELECT mash_ensure_partition((now() - interval '100 days')::timestamp, 'day')", database: name)
        _ = try postgres.psql("SELECT mash_ensure_partition((now() - interval '10 days')::timestamp, 'day')", database: name)
        let broker = try await TestBroker.start()
        let gateway = try GatewayProcess.start(config: testGatewayConfig(
            mqttURL: broker.url, databaseURL: database, extra: "partitions:\n  retention_days: 30\n  premake: 3"))
        try await gateway.waitForLog("partition maintenance")
        let partitions = try postgres.psql("SELECT string_agg(partition_name, ',' ORDER BY partition_name) FROM mash_partitions()", database: name)
            .split(separator: ",").map(String.init)
        let day = { (offset: Int) -> String in
            let formatter = DateFormatter()
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = "yyyyMMdd"
            return "sensor_readings_p" + formatter.string(from: Date().addingTimeInterval(TimeInterval(offset * 86_400)))
        }
        #expect(!partitions.contains(day(-100)), "\(partitions)")
        #expect(partitions.contains(day(-10)), "\(partitions)")
        #expect(partitions.contains(day(0)) && partitions.contains(day(3)), "\(partitions)")
        #expect(await gateway.terminate() == 0)
    }

    @Test("unknown_devices: register creates the device on its first message")
    func registerUnknown() async throws {
        try await IngestFixture.with(ingest: "unknown_devices: register") { f in
            try f.device.publish("devices/new-esp32-77/telemetry", #"{"temperature":19.5}"#)
            try await f.expectCount("SELECT count(*) FROM sensor_readings", 1)
            #expect(try f.sql("SELECT name || ' ' || device_type || ' ' || coalesce(user_id::text, 'no owner') FROM devices WHERE serial_number = 'new-esp32-77'") == "new-esp32-77 unregistered no owner")
        }
    }
}
