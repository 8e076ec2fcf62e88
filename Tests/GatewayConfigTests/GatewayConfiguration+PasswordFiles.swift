import Foundation
import Testing
@testable import GatewayConfig

/// `mqtt.password_file` and `database.password_file`: the first line wins over the URL's password,
/// a file that cannot give a password is a problem under its key, and the password is never shown.
@Suite struct GatewayConfigurationPasswordFileTests {
    let directory: String = {
        let path = NSTemporaryDirectory() + "mash-password-files-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    func file(_ contents: String) throws -> String {
        let path = "\(directory)/\(UUID().uuidString.prefix(8))"
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func firstLineWinsOverTheURLsPassword() throws {
        let database = try file("db-from-file\nsecond line is ignored\n")
        let mqtt = try file("mq-from-file\r\n")
        let configuration = try GatewayConfiguration.parse(yaml: """
            mqtt: {url: "mqtt://gw:stale@broker:1883", password_file: "\(mqtt)"}
            database: {url: "postgres://mash:stale@db:5432/mash", password_file: "\(database)"}
            """, environment: [:])
        let applied = try configuration.applyingPasswordFiles()
        #expect(applied.database.url == "postgres://mash:db-from-file@db:5432/mash")
        #expect(try applied.mqtt.endpoint().password == "mq-from-file")
        #expect(applied.database.passwordFile == nil && applied.mqtt.passwordFile == nil)
    }

    @Test func environmentURLStillTakesTheFilesPassword() throws {
        let database = try file("db-from-file")
        let configuration = try GatewayConfiguration.parse(
            yaml: "database: {password_file: \"\(database)\"}",
            environment: ["MASH_DATABASE_URL": "postgres://u:envpass@envhost/mash"])
        #expect(try configuration.applyingPasswordFiles().database.url == "postgres://u:db-from-file@envhost/mash")
    }

    @Test func withoutAFileTheURLIsUnchanged() throws {
        let configuration = try GatewayConfiguration.parse(yaml: "database: {url: 'postgres://u:p@h/db'}", environment: [:])
        #expect(try configuration.applyingPasswordFiles() == configuration)
    }

    @Test func missingEmptyOrUnreadableFilesAreProblemsNamingTheKey() throws {
        let empty = try file("\nsecret-on-line-two\n")
        let cases: [(yaml: String, key: String, code: ConfigurationProblem.Code)] = [
            ("database: {password_file: \"\(directory)/absent\"}", "database.password_file", .fileNotFound),
            ("mqtt: {url: 'mqtt://gw@h', password_file: \"\(directory)/absent\"}", "mqtt.password_file", .fileNotFound),
            // A directory cannot be read as a file, even by root (mode bits would not stop root).
            ("database: {password_file: \"\(directory)\"}", "database.password_file", .fileUnreadable),
            ("database: {password_file: \"\(empty)\"}", "database.password_file", .missingValue),
            ("database: {password_file: ''}", "database.password_file", .notAllowed),
        ]
        for (yaml, key, code) in cases {
            let found = problems(yaml)
            #expect(found.map(\.key) == [key], "\(yaml): \(found)")
            #expect(found.first?.code == code, "\(yaml): \(found)")
            #expect(!ConfigurationError(problems: found).description.contains("secret-on-line-two"))
        }
    }

    @Test func anMQTTPasswordFileNeedsAUserName() throws {
        let mqtt = try file("pw")
        let found = problems("mqtt: {url: 'mqtt://broker:1883', password_file: \"\(mqtt)\"}")
        #expect(found.map(\.key) == ["mqtt.password_file"])
        #expect(found.first?.code == .conflict)
    }

    @Test func effectiveSettingsAndProblemsNeverShowThePassword() throws {
        let database = try file("hunter2-db")
        let mqtt = try file("hunter2-mq")
        let configuration = try GatewayConfiguration.parse(yaml: """
            mqtt: {url: "mqtt://gw:hunter2-url@broker:1883", password_file: "\(mqtt)"}
            database: {url: "postgres://mash@db:5432/mash", password_file: "\(database)"}
            """, environment: [:])
        for text in [configuration.effectiveSettings(), try configuration.applyingPasswordFiles().effectiveSettings()] {
            #expect(!text.contains("hunter2"), "\(text)")
        }
        #expect(configuration.effectiveSettings().contains("password_file: \"\(database)\""))
        // A URL made invalid after the password went in is still reported without it.
        var broken = try configuration.applyingPasswordFiles()
        broken.database.url = broken.database.url.replacingOccurrences(of: "db:5432", with: "db:99999")
        let text = ConfigurationError(problems: broken.validate()).description
        #expect(text.contains("database.url"))
        #expect(!text.contains("hunter2"), "\(text)")
    }
}
