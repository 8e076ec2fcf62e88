import Foundation
import SchemaMigrations
import Testing

@Suite("Migration files")
struct MigrationLoadingTests {
    /// The repository's Migrations/ folder, found from this file so it works from any directory.
    static let repositoryMigrations: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Migrations").path

    @Test func embeddedEqualsTheFilesOnDisk() throws {
        let embedded = try Migration.embedded
        let onDisk = try Migration.load(directory: Self.repositoryMigrations)
        #expect(embedded == onDisk)
        #expect(embedded.map(\.name).starts(with: ["0001_core_schema.sql", "0002_gateway.sql"]))
        for migration in onDisk {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: Self.repositoryMigrations).appendingPathComponent(migration.name))
            #expect(migration.checksum == SHA256.hex(bytes), "checksum of \(migration.name) is not that of its exact bytes")
        }
    }

    @Test(arguments: [
        ("0001_core_schema.sql", 1), ("0042_partition-helpers.sql", 42), ("12345_big.sql", 12345), ("0007_A_b_9.sql", 7),
    ])
    func validNames(name: String, version: Int) {
        #expect(Migration.version(ofFileName: name) == version)
    }

    @Test(arguments: [
        "1_short.sql", "001_short.sql", "0001-dash.sql", "0001_.sql", "abcd_letters.sql", "0000_zero.sql",
        "0001_core.SQL", "0001_core.sql.bak", "0001_white space.sql", "0001_ünïcode.sql", "_0001_x.sql",
        "99999999999999999999999_overflow.sql",
    ])
    func invalidNames(name: String) {
        #expect(Migration.version(ofFileName: name) == nil)
    }

    @Test func loadsInVersionOrderAndIgnoresOtherFiles() throws {
        let directory = try Self.makeDirectory([
            "0010_later.sql": Array("SELECT 10;\n".utf8),
            "0002_second.sql": Array("SELECT 2;\r\n".utf8),
            "0001_first.sql": Array("\u{FEFF}SELECT 1;".utf8),
            "README.md": Array("not a migration".utf8),
            ".keep": [],
        ])
        let migrations = try Migration.load(directory: directory)
        #expect(migrations.map(\.version) == [1, 2, 10])
        #expect(migrations.map(\.name) == ["0001_first.sql", "0002_second.sql", "0010_later.sql"])
        // Exact bytes: a byte-order mark and CRLF line endings survive and are covered by the checksum.
        #expect(Array(migrations[0].sql.utf8) == Array("\u{FEFF}SELECT 1;".utf8))
        #expect(migrations[1].checksum == SHA256.hex(Array("SELECT 2;\r\n".utf8)))
        #expect(migrations[1].checksum != SHA256.hex(Array("SELECT 2;\n".utf8)))
    }

    @Test func badFileNameIsAnErrorNamingTheFile() throws {
        let directory = try Self.makeDirectory(["0001_ok.sql": Array("SELECT 1;".utf8), "2_bad.sql": Array("SELECT 2;".utf8)])
        let error = #expect(throws: MigrationError.self) { try Migration.load(directory: directory) }
        #expect(error?.code == .invalidFileName)
        #expect(error?.file == "2_bad.sql")
        #expect(error?.description.contains("NNNN_name.sql") == true)
    }

    @Test func duplicateVersionIsAnErrorNamingBothFiles() throws {
        let directory = try Self.makeDirectory(["0003_a.sql": Array("SELECT 1;".utf8), "0003_b.sql": Array("SELECT 2;".utf8)])
        let error = #expect(throws: MigrationError.self) { try Migration.load(directory: directory) }
        #expect(error?.code == .duplicateVersion)
        #expect(error?.description.contains("0003_a.sql") == true)
        #expect(error?.description.contains("0003_b.sql") == true)
    }

    @Test func invalidUTF8IsAnError() throws {
        let directory = try Self.makeDirectory(["0001_binary.sql": [0x53, 0x45, 0xFF, 0xFE]])
        let error = #expect(throws: MigrationError.self) { try Migration.load(directory: directory) }
        #expect(error?.code == .invalidEncoding)
        #expect(error?.file == "0001_binary.sql")
    }

    @Test func missingOrEmptyDirectoryIsAnError() throws {
        let missing = #expect(throws: MigrationError.self) { try Migration.load(directory: "/nonexistent/mash-migrations") }
        #expect(missing?.code == .unreadableDirectory)
        #expect(missing?.description.contains("/nonexistent/mash-migrations") == true)

        let empty = try Self.makeDirectory(["notes.txt": []])
        let none = #expect(throws: MigrationError.self) { try Migration.load(directory: empty) }
        #expect(none?.code == .unreadableDirectory)
    }

    @Test func orderedRejectsDuplicateVersionsInValues() {
        let error = #expect(throws: MigrationError.self) {
            try Migration.ordered([
                Migration(version: 2, name: "0002_x.sql", sql: ""), Migration(version: 2, name: "0002_y.sql", sql: ""),
            ])
        }
        #expect(error?.code == .duplicateVersion)
    }

    static func makeDirectory(_ files: [String: [UInt8]]) throws -> String {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("mash-migrations-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for (name, bytes) in files {
            try Data(bytes).write(to: URL(fileURLWithPath: directory).appendingPathComponent(name))
        }
        return directory
    }
}
