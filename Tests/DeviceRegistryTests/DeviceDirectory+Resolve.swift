import DeviceRegistry
import Postgres
import Testing
import TestSupport

@Suite("DeviceDirectory: resolving keys against the database")
struct DeviceDirectoryResolveTests {
    @Test func resolvesBySerialMACSpellingsAndID() async throws {
        let db = try await RegistryDatabase.make()
        let owner = try db.connection.execute("SELECT id::text FROM users LIMIT 1")[0, "id"]
        let serialID = try db.insertDevice(name: "s", serial: "ESP32-000001", mac: "AA:BB:CC:00:00:01", owner: owner)
        let macID = try db.insertDevice(name: "m", mac: "aa:bb:cc:00:00:02")
        let bareID = try db.insertDevice(name: "i")
        try db.connection.execute("UPDATE devices SET configuration = '{\"alert_rules\": []}' WHERE id = $1::uuid", [serialID])
        let directory = DeviceDirectory(databaseURL: db.url)
        #expect(try directory.load() == 3)

        let bySerial = try #require(directory.resolve("ESP32-000001"))
        #expect(bySerial.id.string == serialID)
        #expect(bySerial.ownerID == owner)
        #expect(bySerial.configuration == #"{"alert_rules": []}"#)
        #expect(bySerial.publishKey == "ESP32-000001")
        for spelling in ["aa:bb:cc:00:00:02", "AA:BB:CC:00:00:02", "aabbcc000002", "AABBCC000002"] {
            #expect(directory.resolve(spelling)?.id.string == macID, "\(spelling)")
        }
        #expect(directory.resolve("aabbcc000002")?.publishKey == "aa:bb:cc:00:00:02", "published to as stored")
        #expect(directory.resolve("aabbcc000001")?.id.string == serialID)
        #expect(directory.resolve(bareID)?.name == "i")
        #expect(directory.resolve(bareID.uppercased())?.publishKey == bareID)
        #expect(directory.resolve("esp32-000001") == nil, "serials are exact")
        #expect(directory.resolveID("ESP32-000001")?.string == serialID)
        #expect(directory.resolveID("AABBCC000002")?.string == macID)
        #expect(directory.resolveID(bareID[...])?.string == bareID)
        #expect(directory.resolveID("nope") == nil)
        #expect(directory.databaseQueries == 3, "one load, one miss per unknown key (esp32-000001, nope)")
    }

    @Test func missesFindRowsAddedAfterLoadAndCacheSerialOverMAC() async throws {
        let db = try await RegistryDatabase.make()
        let directory = DeviceDirectory(databaseURL: db.url)
        try directory.load()
        // Added without a restart and without notifications: found on the first miss, by each key form.
        let id = try db.insertDevice(name: "late", serial: "LATE-1", mac: "11:22:33:44:55:66")
        #expect(directory.resolve("LATE-1")?.id.string == id)
        let other = try db.insertDevice(name: "late2", mac: "11:22:33:44:55:77")
        #expect(directory.resolve("112233445577")?.id.string == other)
        let third = try db.insertDevice(name: "late3")
        #expect(directory.resolve(third)?.id.string == third)
        // One key naming one device by serial and another by MAC: the serial wins, also on a miss.
        let bySerial = try db.insertDevice(name: "serial", serial: "ccddee000001")
        try db.insertDevice(name: "mac", mac: "cc:dd:ee:00:00:01")
        #expect(directory.resolve("ccddee000001")?.id.string == bySerial)
    }

    @Test func deletedDevicesAreUnknown() async throws {
        let db = try await RegistryDatabase.make()
        let gone = try db.insertDevice(name: "gone", serial: "GONE-1")
        try db.connection.execute("UPDATE devices SET deleted_at = now() WHERE id = $1::uuid", [gone])
        let directory = DeviceDirectory(databaseURL: db.url)
        #expect(try directory.load() == 0)
        #expect(directory.lookup("GONE-1") == .unknown)
        #expect(directory.resolve(gone) == nil)
    }

    @Test func negativeCacheSparesTheDatabaseUntilItsTTL() async throws {
        let db = try await RegistryDatabase.make()
        let clock = ManualClock()
        let directory = DeviceDirectory(databaseURL: db.url, negativeTTL: .seconds(5), now: clock.now)
        try directory.load()
        #expect(directory.lookup("GHOST-1") == .unknown)
        #expect(directory.databaseQueries == 2)
        try db.insertDevice(name: "ghost", serial: "GHOST-1")
        for _ in 0..<1000 { #expect(directory.resolve("GHOST-1") == nil) }
        clock.advance(by: .milliseconds(4999))
        #expect(directory.resolve("GHOST-1") == nil)
        #expect(directory.databaseQueries == 2, "a flood of an unknown key costs one query per TTL")
        clock.advance(by: .milliseconds(1))
        #expect(directory.resolve("GHOST-1")?.name == "ghost")
        #expect(directory.databaseQueries == 3)
        // Explicit invalidation makes an unknown key askable at once.
        #expect(directory.resolve("GHOST-2") == nil)
        try db.insertDevice(name: "ghost2", serial: "GHOST-2")
        directory.invalidateUnknownKeys()
        #expect(directory.resolve("GHOST-2")?.name == "ghost2")
    }

    @Test func unreachableDatabaseIsUnavailableNotUnknown() async throws {
        let port = try freeLoopbackPort()
        let clock = ManualClock()
        let directory = DeviceDirectory(
            databaseURL: "postgres://mash:secret@127.0.0.1:\(port)/mash", retryInterval: .seconds(1), now: clock.now
        )
        #expect(throws: PostgresError.self) { try directory.load() }
        guard case .unavailable(let error) = directory.lookup("ANY") else {
            Issue.record("expected unavailable")
            return
        }
        #expect(error.code == .connectionFailed)
        #expect(!error.description.contains("secret"))
        #expect(directory.resolve("ANY") == nil)
        #expect(directory.databaseQueries == 0)
    }
}
