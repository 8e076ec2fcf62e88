import Foundation
import Testing
import TestSupport

/// `mash-gateway devices add|list|remove` against a real database, and their effect on a running gateway.
@Suite("Devices: provisioning from the command line", .timeLimit(.minutes(3)))
struct DevicesProvisioningTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    @Test("add prints the id; duplicate serial, taken MAC, bad MAC and unknown owner: one line, exit code, nothing changed")
    func addAndRefusals() async throws {
        let postgres = try await TestPostgres.shared()
        let database = try await postgres.migratedDatabase()
        let name = String(database.split(separator: "/").last!)
        let env = ["MASH_DATABASE_URL": database]
        func count() throws -> String { try postgres.psql("SELECT count(*) FROM devices", database: name) }

        let added = try GatewayBinary.run(["devices", "add", "sn-porch", "--mac", "AA:BB:CC:00:00:0A", "--name", "Porch", "--type", "esp32", "--owner", "ADMIN@localhost"], environment: env)
        #expect(added.status == 0, "\(added.output)")
        let id = added.output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try postgres.psql("""
            SELECT d.serial_number, d.mac_address, d.name, d.device_type, u.email FROM devices d JOIN users u ON u.id = d.user_id WHERE d.id = '\(id)'
            """, database: name) == "sn-porch\taa:bb:cc:00:00:0a\tPorch\tesp32\tadmin@localhost")
        let before = try count()

        let refusals: [([String], Int32, String)] = [
            (["devices", "add", "sn-porch"], 65, "sn-porch"),
            (["devices", "add", "sn-other", "--mac", "aabbcc00000a"], 65, "sn-porch"),
            (["devices", "add", "sn-other", "--mac", "AA:BB:CC"], 64, "AA:BB:CC"),
            (["devices", "add", "sn-other", "--owner", "nobody@example.com"], 65, "nobody@example.com"),
            (["devices", "add", "bad/key"], 64, "bad/key"),
        ]
        for (arguments, status, named) in refusals {
            let result = try GatewayBinary.run(arguments, environment: env)
            #expect(result.status == status, "\(arguments): \(result.output)")
            #expect(result.output.split(separator: "\n").count == 1, "\(arguments): \(result.output)")
            #expect(result.output.contains(named), "\(arguments): \(result.output)")
        }
        #expect(try count() == before)

        let list = try GatewayBinary.run(["devices", "list", "--json"], environment: env)
        #expect(list.status == 0, "\(list.output)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(list.output.utf8)) as? [[String: Any]])
        let porch = try #require(rows.first { $0["key"] as? String == "sn-porch" })
        #expect(porch["id"] as? String == id)
        #expect(porch["owner_email"] as? String == "admin@localhost")
        #expect(porch["status"] as? String == "offline")
        #expect(porch["last_seen"] is NSNull)

        let table = try GatewayBinary.run(["devices", "list"], environment: env)
        #expect(table.status == 0)
        #expect(table.output.hasPrefix("KEY "), "\(table.output)")
        #expect(table.output.contains("sn-porch  \(id)  offline  never"), "\(table.output)")

        let gone = try GatewayBinary.run(["devices", "remove", "nope"], environment: env)
        #expect(gone.status == 65, "\(gone.output)")

        // Removed, then added again: the same row comes back (same id, its readings kept).
        #expect(try GatewayBinary.run(["devices", "remove", "AABBCC00000A"], environment: env).status == 0)
        let again = try GatewayBinary.run(["devices", "add", "sn-porch"], environment: env)
        #expect(again.status == 0, "\(again.output)")
        #expect(again.output.split(separator: "\n").contains(Substring(id)), "\(again.output)")
        #expect(try count() == before)
    }

    @Test("remove: the running gateway turns the device's telemetry into unknown_device; its readings stay")
    func removeAffectsRunningGateway() async throws {
        try await IngestFixture.with { fixture in
            let env = ["MASH_DATABASE_URL": fixture.databaseURL]
            let added = try GatewayBinary.run(["devices", "add", "sn-shed"], environment: env)
            #expect(added.status == 0, "\(added.output)")
            // The gateway learns of the new device through the mash_devices notification.
            let now = Int64(Date().timeIntervalSince1970) * 1000
            try fixture.device.publish("devices/sn-shed/telemetry", #"{"ts":\#(now),"readings":{"temperature":20}}"#)
            try await fixture.expectCount("SELECT count(*) FROM sensor_readings r JOIN devices d ON d.id = r.device_id WHERE d.serial_number = 'sn-shed'", 1)

            let removed = try GatewayBinary.run(["devices", "remove", "sn-shed"], environment: env)
            #expect(removed.status == 0, "\(removed.output)")
            #expect(try fixture.count("SELECT count(*) FROM devices WHERE serial_number = 'sn-shed' AND deleted_at IS NOT NULL") == 1)
            // Within the notification round trip the cache forgets it: keep publishing until a reject appears.
            var second = now + 1000
            try await waitUntil("an unknown_device reject for sn-shed; log:\n\(fixture.gateway.log.suffix(2000))", timeout: .seconds(15), every: .milliseconds(200)) {
                try fixture.device.publish("devices/sn-shed/telemetry", #"{"ts":\#(second),"readings":{"temperature":21}}"#)
                second += 1000
                return try fixture.count("SELECT count(*) FROM ingest_rejects WHERE reason = 'unknown_device' AND topic = 'devices/sn-shed/telemetry'") >= 1
            }
            #expect(try fixture.count("SELECT count(*) FROM sensor_readings r JOIN devices d ON d.id = r.device_id WHERE d.serial_number = 'sn-shed'") >= 1)
            let list = try GatewayBinary.run(["devices", "list"], environment: env)
            #expect(!list.output.contains("sn-shed"), "\(list.output)")
        }
    }

    @Test("add --mosquitto-passwd: the device logs in under the shipped ACL and its telemetry is stored")
    func provisionsBrokerLogin() async throws {
        let postgres = try await TestPostgres.shared()
        let database = try await postgres.migratedDatabase()
        let name = String(database.split(separator: "/").last!)
        let directory = try Harness.makeDirectory("passwd")
        let passwords = "\(directory)/mash.passwd"
        let env = ["MASH_DATABASE_URL": database]

        let added = try GatewayBinary.run(["devices", "add", "ESP-00A1B2", "--mosquitto-passwd", passwords], environment: env)
        #expect(added.status == 0, "\(added.output)")
        let password = try #require(added.output.split(separator: "\n").first { $0.hasPrefix("mqtt password: ") }?.dropFirst("mqtt password: ".count))
        let gateway = try GatewayBinary.run(["devices", "add", "unused-device", "--mosquitto-passwd", passwords, "--password", "secret-b"], environment: env)
        #expect(gateway.status == 0, "\(gateway.output)")
        #expect(!gateway.output.contains("secret-b"))
        let tool = try runCommand("/usr/bin/mosquitto_passwd", ["-b", passwords, "mash-gateway", "gw-secret"])
        #expect(tool.status == 0, "\(tool.output)")

        let broker = try await TestBroker.start(extraConfig: """
            allow_anonymous false
            password_file \(passwords)
            acl_file \(Self.repository)/Config/mosquitto.acl
            """)
        defer { Task { await broker.stop() } }
        let host = "127.0.0.1:\(broker.port)"
        let process = try GatewayProcess.start(config: try testGatewayConfig(mqttURL: "mqtt://mash-gateway:gw-secret@\(host)", databaseURL: database))
        try await process.waitForLog("ingest ready")
        let device = try await MQTTProbe.connect("mqtt://ESP-00A1B2:\(password)@\(host)", id: "ESP-00A1B2")
        try device.publish("devices/ESP-00A1B2/telemetry", #"{"temperature":21.5}"#)
        try await waitUntil("the device's reading stored; gateway log:\n\(process.log.suffix(2000))") {
            try postgres.psql("SELECT count(*) FROM sensor_readings r JOIN devices d ON d.id = r.device_id WHERE d.serial_number = 'ESP-00A1B2'", database: name) == "1"
        }
        device.close()
        // A wrong password is refused: the login is the device's own.
        let wrong = try runCommand("/usr/bin/mosquitto_pub", ["-h", "127.0.0.1", "-p", "\(broker.port)", "-u", "ESP-00A1B2", "-P", "wrong", "-t", "devices/ESP-00A1B2/heartbeat", "-n"])
        #expect(wrong.status != 0, "\(wrong.output)")
        _ = await process.terminate()
    }
}
