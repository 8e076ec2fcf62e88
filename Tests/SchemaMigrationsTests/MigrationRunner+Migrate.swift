import Logging
import Postgres
import SchemaMigrations
import TestSupport
import Testing

@Suite("MigrationRunner.migrate")
struct MigrationRunnerMigrateTests {
    /// Everything a migration could have changed: columns, constraints, indexes and the record table.
    static func snapshot(_ connection: PostgresConnection) throws -> [String?] {
        try TestDatabase.column(connection, """
            SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || coalesce(column_default, '')
            FROM information_schema.columns WHERE table_schema = 'public'
            UNION ALL SELECT conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = 'public'::regnamespace
            UNION ALL SELECT indexdef FROM pg_indexes WHERE schemaname = 'public'
            UNION ALL SELECT version || ' ' || name || ' ' || checksum || ' ' || applied_at FROM schema_migrations
            ORDER BY 1
            """)
    }

    @Test func secondRunAppliesNothingAndChangesNothing() async throws {
        let database = try await TestDatabase.make()
        let connection = try database.connect()
        defer { connection.close() }
        let (logger, log) = Logger.recording()
        let runner = MigrationRunner(migrations: try Migration.embedded, logger: logger)

        let first = try runner.migrate(connection)
        #expect(first == (try Migration.embedded))
        let before = try Self.snapshot(connection)
        #expect(try runner.migrate(connection).isEmpty)
        #expect(try Self.snapshot(connection) == before)
        #expect(log.messages.contains("schema is current"))
        // The lock was released: another session can take it at once.
        let other = try database.connect()
        defer { other.close() }
        #expect(try TestDatabase.value(other, "SELECT pg_try_advisory_lock(\(MigrationRunner.lockKey))") == "t")
    }

    @Test func recordsVersionNameAndChecksum() async throws {
        let database = try await TestDatabase.make()
        let connection = try database.connect()
        defer { connection.close() }
        let (logger, _) = Logger.recording()
        let migrations = try Migration.embedded
        try MigrationRunner(migrations: migrations, logger: logger).migrate(connection)
        let rows = try connection.execute("SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version")
        #expect(rows.rows.count == migrations.count)
        for (index, migration) in migrations.enumerated() {
            #expect(rows[index, "version"] == String(migration.version))
            #expect(rows[index, "name"] == migration.name)
            #expect(rows[index, "checksum"] == migration.checksum)
            #expect(rows[index, "applied_at"] != nil)
        }
    }

    /// Two hosts at once: both wait for the lock, then exactly one applies each migration.
    @Test func concurrentRunsApplyEachMigrationOnce() async throws {
        let database = try await TestDatabase.make()
        let holder = try database.connect()
        defer { holder.close() }
        let (logger, log) = Logger.recording()
        let runner = MigrationRunner(migrations: try Migration.embedded, logger: logger)

        // Hold the lock so both runners are provably waiting before either can start.
        try holder.execute("SELECT pg_advisory_lock(\(MigrationRunner.lockKey))")
        let a = try database.connect(), b = try database.connect()
        defer { a.close(); b.close() }
        async let first = onThread { try runner.migrate(a) }
        async let second = onThread { try runner.migrate(b) }
        try await waitUntil("both runners waiting for the migration lock", timeout: .seconds(30)) {
            try TestDatabase.value(holder, """
                SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
                AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                """) == "2"
        }
        try holder.execute("SELECT pg_advisory_unlock(\(MigrationRunner.lockKey))")
        let results = try await [first, second]

        let embedded = try Migration.embedded
        #expect(results.filter(\.isEmpty).count == 1, "one runner finds nothing to do")
        #expect(results.flatMap { $0 } == embedded, "every migration applied exactly once")
        #expect(try TestDatabase.value(holder, "SELECT count(*) FROM schema_migrations") == String(embedded.count))
        #expect(log.messages.contains("another migration is running; waiting for its lock"))
    }

    @Test func anEditedAppliedMigrationIsRefusedAndNothingIsApplied() async throws {
        let database = try await TestDatabase.make()
        let connection = try database.connect()
        defer { connection.close() }
        let (logger, _) = Logger.recording()
        let embedded = try Migration.embedded
        try MigrationRunner(migrations: embedded, logger: logger).migrate(connection)

        let original = embedded[1]
        let edited = Migration(version: original.version, name: original.name, sql: original.sql + "\n-- an innocent comment\n")
        let newer = Migration(version: 900, name: "0900_should_not_run.sql", sql: "CREATE TABLE should_not_exist (id int);")
        let runner = MigrationRunner(migrations: [embedded[0], edited, newer], logger: logger)
        let error = #expect(throws: MigrationError.self) { try runner.migrate(connection) }
        #expect(error?.code == .modified)
        #expect(error?.file == original.name)
        #expect(error?.description.contains(original.checksum) == true, "names the recorded checksum")
        #expect(error?.description.contains(edited.checksum) == true, "names the file's checksum")
        #expect(try TestDatabase.value(connection, "SELECT to_regclass('should_not_exist')") == nil)
        #expect(try TestDatabase.value(connection, "SELECT count(*) FROM schema_migrations") == String(embedded.count))
        // The refusal released the lock.
        #expect(try TestDatabase.value(connection, """
            SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'
            AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
            """) == "0")
    }

    @Test func aFailingMigrationIsRolledBackAndNamed() async throws {
        let database = try await TestDatabase.make()
        let connection = try database.connect()
        defer { connection.close() }
        let (logger, _) = Logger.recording()
        let embedded = try Migration.embedded
        let good = Migration(version: 901, name: "0901_good.sql", sql: "CREATE TABLE good_one (id int);")
        let bad = Migration(version: 902, name: "0902_bad.sql", sql: """
            CREATE TABLE half_done (id int);
            INSERT INTO half_done VALUES (1);
            SELECT * FROM no_such_table;
            """)
        let after = Migration(version: 903, name: "0903_after.sql", sql: "CREATE TABLE after_bad (id int);")
        let runner = MigrationRunner(migrations: embedded + [after, bad, good], logger: logger)

        let error = #expect(throws: MigrationError.self) { try runner.migrate(connection) }
        #expect(error?.code == .migrationFailed)
        #expect(error?.file == "0902_bad.sql")
        #expect(error?.sqlState == "42P01")
        #expect(error?.description.contains("0902_bad.sql") == true)
        #expect(error?.description.contains("no_such_table") == true)
        #expect(try TestDatabase.value(connection, "SELECT to_regclass('half_done')") == nil, "the failing migration is rolled back")
        #expect(try TestDatabase.value(connection, "SELECT to_regclass('good_one')::text") == "good_one", "earlier ones stay")
        #expect(try TestDatabase.value(connection, "SELECT to_regclass('after_bad')") == nil, "later ones are not tried")
        #expect(try TestDatabase.column(connection, "SELECT version::text FROM schema_migrations WHERE version > 900") == ["901"])

        // The connection is still usable, and the fixed file applies on the next run.
        let fixed = Migration(version: 902, name: "0902_bad.sql", sql: "CREATE TABLE half_done (id int);")
        let applied = try MigrationRunner(migrations: embedded + [good, fixed, after], logger: logger).migrate(connection)
        #expect(applied.map(\.name) == ["0902_bad.sql", "0903_after.sql"])
    }
}
