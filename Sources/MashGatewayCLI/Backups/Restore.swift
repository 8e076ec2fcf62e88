import ArgumentParser
import ConnectionURL
import Foundation
import Postgres

/// `mash-gateway restore --input FILE --database URL`: a backup into an empty database, all or nothing.
struct Restore: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Restore a `mash-gateway backup` dump into an empty database.",
        discussion: """
            Refuses (exit 65, nothing changed) when the target database already has the gateway's tables, or when FILE is
            not a dump that holds them. Otherwise restores FILE with pg_restore in one transaction (a failure leaves the
            database as it was), without the dump's owners and grants (the objects belong to the role in URL), then
            ANALYZEs. Create the database first (createdb -O mash mash); then point database.url at it and run
            `mash-gateway run`. Exit 0 restored, 65 refused, 69 database unreachable or pg_restore missing, 1 pg_restore failed.
            """
    )

    @Option(name: .long, help: ArgumentHelp("A dump written by `mash-gateway backup`.", valueName: "FILE"))
    var input: String

    @Option(name: .long, help: ArgumentHelp("The empty database to restore into: postgres://user[:password]@host[:port]/dbname.", valueName: "URL"))
    var database: String

    /// Tables whose presence means the database already holds a gateway's data (or a half-made one).
    static let gatewayTables = ["schema_migrations", "devices", "sensor_readings", "device_commands", "alerts", "ingest_rejects"]

    func run() throws {
        let started = ContinuousClock.now
        guard FileManager.default.isReadableFile(atPath: input) else {
            printError("restore: refused: \(input) does not exist or cannot be read")
            throw Exit.schemaMismatch
        }
        let connection = try connectOrExit(database, applicationName: "mash-gateway restore")
        defer { connection.close() }
        let shown = redacted(url: database)
        let major: Int
        let existing: String
        do {
            major = try serverMajorVersion(connection)
            existing = try connection.execute(
                "SELECT coalesce(string_agg(tablename, ', ' ORDER BY tablename), '') FROM pg_tables WHERE schemaname = 'public' AND tablename = ANY($1::text[])",
                ["{" + Self.gatewayTables.joined(separator: ",") + "}"]).rows.first?.first?.flatMap { $0 } ?? ""
        } catch {
            printError("database unreachable: \(error)")
            throw Exit.unavailable
        }
        guard existing.isEmpty else {
            printError("restore: refused: \(shown) already has the gateway's tables (\(existing)); restore into a new empty database (createdb) instead")
            throw Exit.schemaMismatch
        }
        guard let path = PostgresTool.locate("pg_restore", serverMajor: major) else {
            printError("restore: pg_restore not found; install postgresql-client-\(major)")
            throw Exit.unavailable
        }
        let tool = PostgresTool(path: path)
        let listing = Process()
        listing.executableURL = URL(fileURLWithPath: path)
        listing.arguments = ["--list", input]
        let pipe = Pipe()
        listing.standardOutput = pipe
        listing.standardError = FileHandle.nullDevice
        try listing.run()
        let contents = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        listing.waitUntilExit()
        guard listing.terminationStatus == 0, contents.contains(" TABLE public sensor_readings ") else {
            printError("restore: refused: \(input) is not a mash-gateway backup (a pg_dump -Fc archive holding sensor_readings)")
            throw Exit.schemaMismatch
        }
        let result = try tool.run(
            ["--single-transaction", "--exit-on-error", "--no-owner", "--no-privileges", input],
            databaseURL: database, applicationName: "mash-gateway restore")
        guard result.status == 0 else {
            printError("restore: pg_restore failed (status \(result.status)); \(shown) is unchanged")
            for line in result.errors.split(separator: "\n") { printError("restore: \(line)") }
            throw Exit.failure
        }
        do {
            try connection.execute("ANALYZE")
        } catch {
            printError("restore: restored, but ANALYZE failed: \(error)")
        }
        let elapsed = ContinuousClock.now - started
        print("restore: restored \(input) into \(shown) (pg_restore \(major), \(elapsed.formatted(.units(allowed: [.seconds], fractionalPart: .show(length: 1)))))")
    }
}
