import Foundation
import Testing
import TestSupport

@Suite("Command line")
struct CommandLineTests {
    @Test("check-config prints the effective settings with the password masked")
    func checkConfigMasksSecrets() throws {
        let directory = try Harness.makeDirectory("cli")
        let path = "\(directory)/gateway.yaml"
        try "database:\n  url: postgres://mash:s3cret-pw@db.example:5432/mash\n".write(toFile: path, atomically: true, encoding: .utf8)
        let result = try GatewayBinary.run(["check-config", "--config", path])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("db.example"))
        #expect(!result.output.contains("s3cret-pw"))
    }

    @Test("check-config: one line per problem, naming the key, exit 78")
    func checkConfigReportsProblems() throws {
        let directory = try Harness.makeDirectory("cli")
        let path = "\(directory)/gateway.yaml"
        try """
            ingest:
              batch_size: 0
              unknown_devices: drop
            partitions:
              intervall: day
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try GatewayBinary.run(["check-config", "--config", path])
        #expect(result.status == 78)
        let lines = result.output.split(separator: "\n")
        #expect(lines.count == 3, "\(result.output)")
        #expect(result.output.contains("ingest.batch_size"))
        #expect(result.output.contains("ingest.unknown_devices"))
        #expect(result.output.contains("partitions.intervall"))
        #expect(!result.output.contains("Fatal error"))
    }

    @Test("a missing config file: one clear line, exit 78")
    func missingConfigFile() throws {
        let result = try GatewayBinary.run(["run", "--config", "/nonexistent/gateway.yaml"])
        #expect(result.status == 78)
        #expect(result.output.contains("/nonexistent/gateway.yaml"))
        #expect(result.output.split(separator: "\n").count == 1, "\(result.output)")
    }

    @Test("MASH_DATABASE_URL overrides the file; a malformed one is named")
    func environmentOverride() throws {
        let directory = try Harness.makeDirectory("cli")
        let path = "\(directory)/gateway.yaml"
        try "database:\n  url: postgres://mash@127.0.0.1/mash\n".write(toFile: path, atomically: true, encoding: .utf8)
        let result = try GatewayBinary.run(["check-config", "--config", path], environment: ["MASH_DATABASE_URL": "mysql://x"])
        #expect(result.status == 78)
        #expect(result.output.contains("MASH_DATABASE_URL"))
    }

    @Test("migrate from any directory: applies, then is idempotent; --seed loads sensor types")
    func migrateIsIdempotent() async throws {
        let postgres = try await TestPostgres.shared()
        let database = try await postgres.createDatabase()
        let env = ["MASH_DATABASE_URL": database]
        let first = try GatewayBinary.run(["migrate", "--seed"], environment: env)
        #expect(first.status == 0, "\(first.output)")
        #expect(first.output.contains("applied"))
        let second = try GatewayBinary.run(["migrate", "--seed"], environment: env)
        #expect(second.status == 0, "\(second.output)")
        #expect(second.output.contains("up to date"))
        #expect(second.output.contains("added 0 sensor types"))
        let name = String(database.split(separator: "/").last!)
        let count = try postgres.psql("SELECT count(*) FROM sensor_types", database: name)
        #expect(Int(count)! >= 15)
    }

    @Test("migrate against an unreachable database: one line, exit 69, no password")
    func migrateUnreachable() throws {
        let port = try freeLoopbackPort()
        let result = try GatewayBinary.run(["migrate"], environment: ["MASH_DATABASE_URL": "postgres://mash:pw-secret@127.0.0.1:\(port)/mash"])
        #expect(result.status == 69, "\(result.output)")
        #expect(!result.output.contains("pw-secret"))
        #expect(result.output.split(separator: "\n").count == 1, "\(result.output)")
    }
}
