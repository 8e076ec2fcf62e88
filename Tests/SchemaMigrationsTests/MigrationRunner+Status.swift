import Logging
import Postgres
import SchemaMigrations
import Testing

@Suite("MigrationRunner.status")
struct MigrationRunnerStatusTests {
    @Test func reportsPendingAppliedModifiedAndUnknown() async throws {
        let database = try await TestDatabase.make()
        let connection = try database.connect()
        defer { connection.close() }
        let (logger, _) = Logger.recording()
        let embedded = try Migration.embedded
        let runner = MigrationRunner(migrations: embedded, logger: logger)

        // No schema_migrations table yet: all pending, and status created nothing.
        let fresh = try runner.status(connection)
        #expect(fresh.pending == embedded)
        #expect(!fresh.isCurrent)
        #expect(try TestDatabase.value(connection, "SELECT to_regclass('schema_migrations')") == nil)

        try runner.migrate(connection)
        let current = try runner.status(connection)
        #expect(current.isCurrent)
        #expect(current.applied.map(\.version) == embedded.map(\.version))
        #expect(current.pending.isEmpty && current.modified.isEmpty && current.unknown.isEmpty)

        let next = Migration(version: 950, name: "0950_next.sql", sql: "SELECT 1;")
        let behind = try MigrationRunner(migrations: embedded + [next], logger: logger).status(connection)
        #expect(behind.pending == [next])
        #expect(!behind.isCurrent)
        #expect(behind.summary.contains("0950_next.sql"))

        let edited = Migration(version: embedded[0].version, name: embedded[0].name, sql: embedded[0].sql + " ")
        let modified = try MigrationRunner(migrations: [edited] + embedded.dropFirst(), logger: logger).status(connection)
        #expect(modified.modified.map(\.migration) == [edited])
        #expect(modified.modified.first?.recordedChecksum == embedded[0].checksum)
        #expect(!modified.isCurrent)

        let older = try MigrationRunner(migrations: [embedded[0]], logger: logger).status(connection)
        #expect(older.unknown.map(\.name) == embedded.dropFirst().map(\.name))
        #expect(older.isCurrent)
    }
}
