import DeviceRegistry
import Postgres
import Testing
import TestSupport

@Suite("DeviceDirectory: loading a fleet larger than one page", .timeLimit(.minutes(2)))
struct DeviceDirectoryFleetLoadTests {
    /// 12,345 devices (more than two pages of the load's cursor), each with the same owner, some with
    /// a MAC and a few soft-deleted: every live one is loaded once, the deleted ones are not.
    @Test func everyLiveDeviceOfAMultiPageFleetIsLoaded() async throws {
        let db = try await RegistryDatabase.make()
        let owner = try #require(try db.connection.execute("SELECT id::text FROM users LIMIT 1")[0, "id"])
        try db.connection.execute("""
            INSERT INTO devices (name, device_type, serial_number, mac_address, user_id, deleted_at)
            SELECT 'fleet ' || n, 'esp32', 'fleet-' || n,
                   CASE WHEN n % 2 = 0 THEN regexp_replace(lpad(to_hex(n), 10, '0'), '(..)(..)(..)(..)(..)', '0a:\\1:\\2:\\3:\\4:\\5') END,
                   $1::uuid, CASE WHEN n % 1000 = 0 THEN now() END
            FROM generate_series(1, 12345) AS n
            """, [owner])
        let directory = DeviceDirectory(databaseURL: db.url)
        #expect(try directory.load() == 12345 - 12)
        #expect(directory.cachedCount == 12345 - 12)
        #expect(directory.databaseQueries == 1, "the load counts as one query")

        let first = try #require(directory.resolve("fleet-1"))
        let last = try #require(directory.resolve("fleet-12345"))
        #expect(first.ownerID == owner && last.ownerID == owner)
        #expect(directory.resolve("0A0000003038")?.serialNumber == "fleet-12344", "by MAC: 12344 = 0x3038")
        #expect(directory.resolve("fleet-5000") == nil, "soft-deleted")
        #expect(directory.databaseQueries == 2, "only the deleted key went to the database")
        // Every live serial resolves from the cache.
        let missing = (1...12345).filter { $0 % 1000 != 0 && directory.resolveID("fleet-\($0)"[...]) == nil }
        #expect(missing.isEmpty)
        #expect(directory.databaseQueries == 2)
    }
}
