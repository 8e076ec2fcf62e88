import SchemaMigrations
import Testing

@Suite("MigrationStatus (no database)")
struct MigrationStatusCompareTests {
    let one = Migration(version: 1, name: "0001_a.sql", sql: "CREATE TABLE a (id int);")
    let two = Migration(version: 2, name: "0002_b.sql", sql: "CREATE TABLE b (id int);")
    let three = Migration(version: 3, name: "0003_c.sql", sql: "CREATE TABLE c (id int);")

    func record(_ migration: Migration, checksum: String? = nil) -> MigrationRecord {
        MigrationRecord(version: migration.version, name: migration.name, checksum: checksum ?? migration.checksum)
    }

    @Test func emptyDatabaseHasEverythingPending() {
        let status = MigrationStatus(migrations: [three, one, two], records: [])
        #expect(status.pending == [one, two, three])
        #expect(status.applied.isEmpty && status.modified.isEmpty && status.unknown.isEmpty)
        #expect(!status.isCurrent)
        #expect(status.summary == "schema is behind: 3 pending migrations (0001_a.sql, 0002_b.sql, 0003_c.sql); run mash-gateway migrate")
    }

    @Test func everyVersionFallsIntoExactlyOneList() {
        let edited = Migration(version: 2, name: "0002_b.sql", sql: "CREATE TABLE b (id bigint);")
        let newer = MigrationRecord(version: 9, name: "0009_newer.sql", checksum: "x")
        let status = MigrationStatus(migrations: [one, edited, three], records: [newer, record(two), record(one)])
        #expect(status.applied == [record(one)])
        #expect(status.modified == [ModifiedMigration(migration: edited, recordedChecksum: two.checksum)])
        #expect(status.pending == [three])
        #expect(status.unknown == [newer])
        #expect(!status.isCurrent)
        #expect(status.summary.contains("modified"))
        #expect(status.summary.contains("0009_newer.sql"))
    }

    @Test func unknownNewerMigrationsDoNotMakeTheSchemaBehind() {
        let newer = MigrationRecord(version: 3, name: "0003_c.sql", checksum: three.checksum)
        let status = MigrationStatus(migrations: [one, two], records: [record(one), record(two), newer])
        #expect(status.isCurrent)
        #expect(status.unknown == [newer])
        #expect(status.summary.hasPrefix("schema is current: 2 migrations applied"))
    }

    @Test func aRenamedButUnchangedFileCountsAsApplied() {
        let renamed = Migration(version: 1, name: "0001_renamed.sql", sql: one.sql)
        let status = MigrationStatus(migrations: [renamed], records: [record(one)])
        #expect(status.isCurrent)
        #expect(status.applied.count == 1)
    }

    @Test func checksumIsOfTheSQLBytes() {
        #expect(one.checksum == SHA256.hex(Array(one.sql.utf8)))
        #expect(one.checksum.count == 64)
    }
}
