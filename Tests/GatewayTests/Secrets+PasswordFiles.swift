import Foundation
import Testing
import TestSupport

/// `mqtt.password_file` and `database.password_file` against a broker and a PostgreSQL that really
/// check passwords: the files' passwords win over stale ones in the URLs, and no password shows in
/// the log, in `check-config`'s output or in an error message.
@Suite("password files", .timeLimit(.minutes(3)))
struct SecretsPasswordFileTests {
    static let mqttPassword = "mq-Fi1e-pass"
    static let databasePassword = "Db-F1le-pass"

    /// A broker that refuses anonymous clients and knows `gateway` / ``mqttPassword``.
    static func passwordBroker() async throws -> TestBroker {
        let directory = try Harness.makeDirectory("passwd")
        let made = try runCommand("/usr/bin/mosquitto_passwd", ["-b", "-c", "\(directory)/passwd", "gateway", mqttPassword])
        #expect(made.status == 0, "\(made.output)")
        return try await TestBroker.start(extraConfig: "allow_anonymous false\npassword_file \(directory)/passwd")
    }

    static func writeFile(_ contents: String, in directory: String, named name: String) throws -> String {
        let path = "\(directory)/\(name)"
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The database URL with its password replaced by `password`.
    static func url(_ url: String, password: String) -> String {
        url.replacingOccurrences(of: ":\(TestPostgres.ownerPassword)@", with: ":\(password)@")
    }

    /// A role whose password is ``databasePassword`` (the shared `mash` role's would match the test folders' names
    /// in the log), with `mash`'s rights; returns the URL of `database` as that role, without a password.
    static func passwordRole(_ postgres: TestPostgres, database: String) throws -> String {
        let role = "sec_\(UInt32.random(in: 0...UInt32.max))"
        _ = try postgres.psql("CREATE ROLE \(role) LOGIN PASSWORD '\(databasePassword)' IN ROLE \(TestPostgres.owner)", database: "postgres")
        return "postgres://\(role)@127.0.0.1:\(postgres.port)/\(database.split(separator: "/").last!)"
    }

    @Test("the files' passwords win over the URLs' and are never logged")
    func filesWinAndStayOutOfTheLog() async throws {
        let broker = try await Self.passwordBroker()
        let postgres = try await TestPostgres.shared()
        let database = try await postgres.migratedDatabase()
        let name = String(database.split(separator: "/").last!)
        _ = try postgres.psql("INSERT INTO devices (name, device_type, serial_number) VALUES ('d', 'esp32', 'sn-secret')", database: name)
        let directory = try Harness.makeDirectory("secrets")
        let mqttFile = try Self.writeFile("\(Self.mqttPassword)\n", in: directory, named: "mqtt-password")
        let databaseFile = try Self.writeFile("\(Self.databasePassword)\n", in: directory, named: "db-password")
        let config = try testGatewayConfig(
            mqttURL: "mqtt://gateway:stale-mq-url@127.0.0.1:\(broker.port)",
            databaseURL: try Self.passwordRole(postgres, database: database).replacingOccurrences(of: "@", with: ":stale-db-url@"),
            extra: "")
            .replacingOccurrences(of: "  client_id:", with: "  password_file: \(mqttFile)\n  client_id:")
            .replacingOccurrences(of: "database:\n", with: "database:\n  password_file: \(databaseFile)\n")
        let gateway = try GatewayProcess.start(config: config)
        try await gateway.waitForLog("ingest ready")
        let device = try await MQTTProbe.connect("mqtt://gateway:\(Self.mqttPassword)@127.0.0.1:\(broker.port)")
        defer { device.close() }
        _ = try device.publish("devices/sn-secret/telemetry", #"{"temperature": 21.5}"#)
        try await waitUntil("the reading stored through the password-file connections") {
            (try? postgres.psql("SELECT count(*) FROM sensor_readings", database: name)) == "1"
        }
        #expect(await gateway.terminate() == 0)
        for secret in [Self.mqttPassword, Self.databasePassword, "stale-mq-url", "stale-db-url"] {
            #expect(!gateway.log.contains(secret), "\(secret) in the log:\n\(gateway.log)")
        }
    }

    @Test("check-config shows the files, not the passwords; a missing file is an error naming the key")
    func checkConfig() throws {
        let directory = try Harness.makeDirectory("secrets")
        let mqttFile = try Self.writeFile("\(Self.mqttPassword)\n", in: directory, named: "mqtt-password")
        let databaseFile = try Self.writeFile("\(Self.databasePassword)\n", in: directory, named: "db-password")
        let config = try Self.writeFile("""
            mqtt: {url: "mqtt://gateway:url-pass-mq@127.0.0.1:1883", password_file: "\(mqttFile)"}
            database: {url: "postgres://mash:url-pass-db@127.0.0.1:5432/mash", password_file: "\(databaseFile)"}
            """, in: directory, named: "gateway.yaml")
        let shown = try GatewayBinary.run(["check-config", "--config", config])
        #expect(shown.status == 0, "\(shown.output)")
        #expect(shown.output.contains("password_file: \"\(databaseFile)\""), "\(shown.output)")
        for secret in [Self.mqttPassword, Self.databasePassword, "url-pass-mq", "url-pass-db"] {
            #expect(!shown.output.contains(secret), "\(secret) shown:\n\(shown.output)")
        }

        try FileManager.default.removeItem(atPath: databaseFile)
        let missing = try GatewayBinary.run(["check-config", "--config", config])
        #expect(missing.status == 78)
        #expect(missing.output.contains("configuration: database.password_file: \"\(databaseFile)\" does not exist"), "\(missing.output)")
        #expect(!missing.output.contains(Self.mqttPassword) && !missing.output.contains("url-pass"), "\(missing.output)")
    }

    @Test("a wrong password in the file: the errors of migrate and run name the problem, never the password")
    func errorsStayClean() async throws {
        let postgres = try await TestPostgres.shared()
        let database = try await postgres.migratedDatabase()
        let directory = try Harness.makeDirectory("secrets")
        let wrong = "Wr0ng-file-pass"
        let databaseFile = try Self.writeFile("\(wrong)\n", in: directory, named: "db-password")
        let config = try Self.writeFile("""
            database: {url: "\(Self.url(database, password: "url-pass-db"))", password_file: "\(databaseFile)"}
            """, in: directory, named: "gateway.yaml")
        let migrate = try GatewayBinary.run(["migrate", "--config", config])
        #expect(migrate.status == 69, "\(migrate.output)")
        #expect(migrate.output.contains("password authentication failed"), "\(migrate.output)")
        #expect(!migrate.output.contains(wrong) && !migrate.output.contains("url-pass-db"), "\(migrate.output)")

        let gateway = try GatewayProcess.start(config: try testGatewayConfig(
            mqttURL: "mqtt://127.0.0.1:1", databaseURL: Self.url(database, password: "url-pass-db"))
            .replacingOccurrences(of: "database:\n", with: "database:\n  password_file: \(databaseFile)\n"))
        try await gateway.waitForLog("database unreachable, retrying")
        #expect(await gateway.terminate() == 0)
        #expect(gateway.log.contains("password authentication failed"), "\(gateway.log)")
        #expect(!gateway.log.contains(wrong) && !gateway.log.contains("url-pass-db"), "\(gateway.log)")
    }
}
