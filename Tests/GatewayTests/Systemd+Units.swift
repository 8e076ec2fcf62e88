import Foundation
import Testing
import TestSupport

/// The systemd units as shipped: lint-clean, sandboxed, and the backup they start really works.
@Suite("systemd units")
struct SystemdUnitTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let analyze = "/usr/bin/systemd-analyze"

    /// Copies of the units whose binaries point at this build (verify checks that ExecStart exists).
    func unitsForThisBuild() throws -> String {
        let directory = try Harness.makeDirectory("units")
        for name in ["mash-gateway.service", "mash-gateway-backup.service", "mash-gateway-backup.timer"] {
            let text = try String(contentsOfFile: "\(Self.repository)/systemd/\(name)", encoding: .utf8)
                .replacingOccurrences(of: "/usr/bin/mash-gateway", with: GatewayBinary.path)
                .replacingOccurrences(of: "/usr/lib/mash-gateway/mash-backup", with: "\(Self.repository)/systemd/mash-backup")
            try text.write(toFile: "\(directory)/\(name)", atomically: true, encoding: .utf8)
        }
        return directory
    }

    @Test("systemd-analyze verify prints nothing (it exits 0 even on bad keys, so any output fails)",
          .enabled(if: FileManager.default.isExecutableFile(atPath: analyze)))
    func verifyIsClean() throws {
        let directory = try unitsForThisBuild()
        let result = try runCommand(Self.analyze, ["verify"] + ["mash-gateway.service", "mash-gateway-backup.service", "mash-gateway-backup.timer"].map { "\(directory)/\($0)" })
        #expect(result.status == 0)
        #expect(result.output.isEmpty, "\(result.output)")
    }

    @Test("the gateway unit is Type=notify with a watchdog, and sandboxed (exposure ≤ 2.0)",
          .enabled(if: FileManager.default.isExecutableFile(atPath: analyze)))
    func sandboxed() throws {
        let directory = try unitsForThisBuild()
        let unit = try String(contentsOfFile: "\(directory)/mash-gateway.service", encoding: .utf8)
        #expect(unit.contains("Type=notify"))
        #expect(unit.contains("WatchdogSec="))
        let result = try runCommand(Self.analyze, ["security", "--offline=yes", "\(directory)/mash-gateway.service"])
        let line = result.output.split(separator: "\n").first { $0.contains("Overall exposure level") }
        let score = line.flatMap { $0.split(separator: ":").last?.split(separator: " ").first }.flatMap { Double($0) }
        #expect(score != nil && score! <= 2.0, "\(result.output.suffix(400))")
    }

    @Test("mash-backup writes a pg_dump through `mash-gateway backup` and keeps only the newest BACKUP_KEEP")
    func backupRotates() async throws {
        let postgres = try await TestPostgres.shared()
        let database = try await postgres.migratedDatabase()
        let directory = try Harness.makeDirectory("backups")
        var environment = ProcessInfo.processInfo.environment
        environment["MASH_DATABASE_URL"] = database
        environment["BACKUP_DIR"] = directory
        environment["BACKUP_KEEP"] = "2"
        environment["MASH_GATEWAY"] = GatewayBinary.path
        for _ in 0..<3 {
            let result = try runCommand("/bin/sh", ["\(Self.repository)/systemd/mash-backup"], environment: environment)
            #expect(result.status == 0, "\(result.output)")
        }
        let dumps = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".dump") }
        #expect(dumps.count == 2, "\(dumps)")
        let listing = try runCommand("/usr/bin/pg_restore", ["--list", "\(directory)/\(dumps[0])"])
        #expect(listing.status == 0)
        #expect(listing.output.contains("sensor_readings"))

        environment["BACKUP_KEEP"] = "zero"
        let refused = try runCommand("/bin/sh", ["\(Self.repository)/systemd/mash-backup"], environment: environment)
        #expect(refused.status == 78)
    }
}
