import DeviceRegistry
import Testing
import TestSupport

@Suite("DeviceDirectory: registering unknown devices")
struct DeviceDirectoryRegisterTests {
    @Test func registersOnceAsUnregisteredWithoutOwner() async throws {
        let db = try await RegistryDatabase.make()
        let directory = DeviceDirectory(databaseURL: db.url)
        try directory.load()
        #expect(directory.resolve("NEW-1") == nil)
        let record = try #require(try directory.register(key: "NEW-1"))
        #expect(record.serialNumber == "NEW-1")
        #expect(record.name == "NEW-1")
        #expect(record.ownerID == nil)
        #expect(directory.resolve("NEW-1") == record, "the negative cache entry is gone")
        let row = try db.connection.execute("SELECT device_type, user_id FROM devices WHERE serial_number = 'NEW-1'")
        #expect(row.rows == [["unregistered", nil]])
        #expect(try directory.register(key: "NEW-1") == record)
        #expect(try db.count("SELECT count(*) FROM devices") == 1)
    }

    @Test func concurrentRegistrationsFromTwoGatewaysMakeOneRow() async throws {
        let db = try await RegistryDatabase.make()
        let first = DeviceDirectory(databaseURL: db.url)
        let second = DeviceDirectory(databaseURL: db.url)
        try first.load()
        try second.load()
        let keys = (0..<50).map { "RACE-\($0)" }
        async let a = Task.detached { try keys.map { try first.register(key: $0) } }.value
        async let b = Task.detached { try keys.reversed().map { try second.register(key: $0) } }.value
        let (fromFirst, fromSecond) = try await (a, b)
        #expect(fromFirst.allSatisfy { $0 != nil })
        #expect(Array(fromFirst) == Array(fromSecond.reversed()), "both gateways see the same rows")
        #expect(try db.count("SELECT count(*) FROM devices") == keys.count)
    }

    @Test func aSoftDeletedDeviceIsNotRevivedByRegistration() async throws {
        let db = try await RegistryDatabase.make()
        let id = try db.insertDevice(name: "old", serial: "OLD-1")
        try db.connection.execute("UPDATE devices SET deleted_at = now() WHERE id = $1::uuid", [id])
        let directory = DeviceDirectory(databaseURL: db.url)
        #expect(try directory.register(key: "OLD-1") == nil)
        #expect(try db.count("SELECT count(*) FROM devices") == 1)
        #expect(try directory.register(key: String(repeating: "x", count: 256)) == nil, "too long for serial_number")
    }
}
