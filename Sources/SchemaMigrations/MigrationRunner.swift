import Logging
import Postgres

/// Applies migrations to a database, each exactly once, safely from several hosts at once.
///
/// Guarantees of `migrate`:
/// - A session-level advisory lock (`lockKey`) is taken before anything is read, so concurrent
///   runners serialise: the second waits, then finds nothing left to do.
/// - If any applied migration's file changed, nothing is applied.
/// - Each pending migration runs in its own transaction together with its `schema_migrations`
///   row: it is applied completely and recorded, or not at all. The first failure stops the run.
///
/// Migration files therefore must not contain transaction control or statements that cannot run
/// in a transaction (`CREATE INDEX CONCURRENTLY`, `VACUUM`, `ALTER TYPE … ADD VALUE` before PG 12).
public struct MigrationRunner: Sendable {
    /// The advisory-lock key, fixed so that every version of the binary agrees on it ("mashmigr" in ASCII).
    public static let lockKey: Int64 = 0x6D61_7368_6D69_6772

    /// The record table, created by the runner itself (not by a migration) so that it exists before
    /// the first migration is checked.
    static let createRecordTable = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            checksum TEXT NOT NULL,
            applied_at TIMESTAMP DEFAULT (now() AT TIME ZONE 'UTC')
        )
        """

    public let migrations: [Migration]
    public let logger: Logger

    /// A runner for `migrations` (any order; duplicates are reported by `migrate` and `status`).
    public init(migrations: [Migration], logger: Logger) {
        self.migrations = migrations
        self.logger = logger
    }

    /// Applies every pending migration in version order and returns those it applied (empty when current).
    @discardableResult
    public func migrate(_ connection: PostgresConnection) throws(MigrationError) -> [Migration] {
        let migrations = try Migration.ordered(self.migrations)
        try lock(connection)
        defer { unlock(connection) }

        try database("cannot create schema_migrations") { () throws(PostgresError) in
            try connection.execute(Self.createRecordTable)
        }
        let status = MigrationStatus(migrations: migrations, records: try records(connection))
        if let first = status.modified.first {
            let others = status.modified.dropFirst().map(\.migration.name)
            throw MigrationError(
                code: .modified, file: first.migration.name,
                message: "applied migration was modified: recorded checksum \(first.recordedChecksum), file checksum \(first.migration.checksum)"
                    + (others.isEmpty ? "" : " (also modified: \(others.joined(separator: ", ")))")
                    + "; nothing applied. Restore the file and put the change in a new migration"
            )
        }
        if !status.unknown.isEmpty {
            logger.warning(
                "database has migrations this binary does not know; a newer version migrated it",
                metadata: ["unknown": .string(status.unknown.map(\.name).joined(separator: ","))]
            )
        }
        if status.pending.isEmpty {
            logger.info("schema is current", metadata: ["applied": .stringConvertible(status.applied.count)])
            return []
        }
        var applied: [Migration] = []
        for migration in status.pending {
            try apply(migration, connection)
            applied.append(migration)
        }
        return applied
    }

    /// Compares the database with the migrations, without locking or changing anything.
    ///
    /// A database without `schema_migrations` has every migration pending.
    public func status(_ connection: PostgresConnection) throws(MigrationError) -> MigrationStatus {
        let migrations = try Migration.ordered(self.migrations)
        let exists = try database("cannot read schema_migrations") { () throws(PostgresError) in
            try connection.execute("SELECT to_regclass('schema_migrations') IS NOT NULL AS present")
        }
        guard exists[0, "present"] == "t" else {
            return MigrationStatus(migrations: migrations, records: [])
        }
        return MigrationStatus(migrations: migrations, records: try records(connection))
    }

    // MARK: - Steps

    private func apply(_ migration: Migration, _ connection: PostgresConnection) throws(MigrationError) {
        let clock = ContinuousClock()
        let start = clock.now
        logger.info("applying migration", metadata: ["migration": .string(migration.name)])
        do {
            try connection.transaction {
                try connection.executeScript(migration.sql)
                try connection.execute(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                    [String(migration.version), migration.name, migration.checksum]
                )
            }
        } catch let error as PostgresError {
            logger.error("migration failed", metadata: ["migration": .string(migration.name), "error": .string(error.description)])
            throw MigrationError(code: .migrationFailed, file: migration.name, message: "migration failed and was rolled back", postgres: error)
        } catch {
            throw MigrationError(code: .migrationFailed, file: migration.name, message: "migration failed and was rolled back: \(error)")
        }
        logger.info(
            "applied migration",
            metadata: ["migration": .string(migration.name), "duration": .stringConvertible(clock.now - start)]
        )
    }

    private func records(_ connection: PostgresConnection) throws(MigrationError) -> [MigrationRecord] {
        let result = try database("cannot read schema_migrations") { () throws(PostgresError) in
            try connection.execute(
                "SELECT version, name, checksum, applied_at::text AS applied_at FROM schema_migrations ORDER BY version"
            )
        }
        var records: [MigrationRecord] = []
        for row in result.rows.indices {
            guard let version = result[row, "version"].flatMap({ Int($0) }) else { continue }
            records.append(MigrationRecord(
                version: version,
                name: result[row, "name"] ?? "",
                checksum: result[row, "checksum"] ?? "",
                appliedAt: result[row, "applied_at"]
            ))
        }
        return records
    }

    /// Takes the migration lock, saying so in the log when another runner holds it.
    private func lock(_ connection: PostgresConnection) throws(MigrationError) {
        let tried = try database("cannot take the migration lock") { () throws(PostgresError) in
            try connection.execute("SELECT pg_try_advisory_lock(\(Self.lockKey)) AS locked")
        }
        if tried[0, "locked"] == "t" { return }
        logger.info("another migration is running; waiting for its lock")
        try database("cannot take the migration lock") { () throws(PostgresError) in
            try connection.execute("SELECT pg_advisory_lock(\(Self.lockKey))")
        }
    }

    /// Releases the lock; a failure only matters for a connection that is kept, so it is logged.
    private func unlock(_ connection: PostgresConnection) {
        do {
            try connection.execute("SELECT pg_advisory_unlock(\(Self.lockKey))")
        } catch {
            logger.warning("cannot release the migration lock; it ends with the connection", metadata: ["error": .string(error.description)])
        }
    }

    /// Runs a database step, turning its error into a `.database` MigrationError.
    @discardableResult
    private func database<T>(_ what: String, _ body: () throws(PostgresError) -> T) throws(MigrationError) -> T {
        do {
            return try body()
        } catch {
            throw MigrationError(code: .database, message: what, postgres: error)
        }
    }
}
