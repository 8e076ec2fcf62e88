import DeviceRegistry
import Postgres
import Synchronization
import Testing
import TestSupport

@Suite("DeviceDirectory: change notifications (migration 0004)")
struct DeviceDirectoryChangesTests {
    /// The next `count` notifications on the change channel (fewer only if the deadline passes):
    /// notifications sent by separate statements may arrive in separate reads.
    func next(_ listener: PostgresConnection, count: Int = 1) throws -> [String] {
        var received: [String] = []
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(10)
        while received.count < count, clock.now < deadline {
            received += try listener.notifications(timeout: .seconds(1)).filter { $0.channel == DeviceDirectory.changeChannel }.map(\.payload)
        }
        return received
    }

    @Test func triggerNotifiesOnInsertUpdateDeleteButNotOnPresenceWrites() async throws {
        let db = try await RegistryDatabase.make()
        let listener = try PostgresConnection.connect(db.url)
        try listener.listen(DeviceDirectory.changeChannel)
        let a = try db.insertDevice(name: "a", serial: "A-1")
        let b = try db.insertDevice(name: "b", serial: "B-1")
        #expect(try next(listener, count: 2) == [a, b])

        // Presence-style writes notify nobody: the next notification is b's rename, not a's last_seen.
        try db.connection.execute("UPDATE devices SET last_seen = now(), status = 'online', uptime_seconds = 5 WHERE id = $1::uuid", [a])
        try db.connection.execute("UPDATE devices SET serial_number = 'B-2' WHERE id = $1::uuid", [b])
        #expect(try next(listener) == [b])
        for change in ["configuration = '{\"x\":1}'", "mac_address = 'aa:bb:cc:dd:ee:ff'", "deleted_at = now()", "name = 'z'"] {
            try db.connection.execute("UPDATE devices SET \(change) WHERE id = $1::uuid", [a])
            #expect(try next(listener) == [a], "\(change)")
        }
        try db.connection.execute("DELETE FROM devices WHERE id = $1::uuid", [b])
        #expect(try next(listener) == [b])
    }

    @Test func handleChangeRefreshesRenamesAndDeletes() async throws {
        let db = try await RegistryDatabase.make()
        let id = try db.insertDevice(name: "a", serial: "A-1")
        let directory = DeviceDirectory(databaseURL: db.url)
        try directory.load()
        #expect(directory.resolve("A-1")?.id.string == id)

        try db.connection.execute("UPDATE devices SET serial_number = 'A-2' WHERE id = $1::uuid", [id])
        #expect(directory.resolve("A-1") != nil, "without a change notification the cache is stale")
        try directory.handleChange(id: id)
        #expect(directory.resolve("A-1") == nil)
        #expect(directory.resolve("A-2")?.id.string == id)

        try db.connection.execute("UPDATE devices SET deleted_at = now() WHERE id = $1::uuid", [id])
        try directory.handleChange(id: id)
        #expect(directory.resolve("A-2") == nil)
        #expect(directory.resolve(id) == nil)
        try directory.handleChange(id: "not a uuid")
    }

    @Test func followChangesAppliesNotificationsUntilStopped() async throws {
        let db = try await RegistryDatabase.make()
        let id = try db.insertDevice(name: "a", serial: "F-1")
        let directory = DeviceDirectory(databaseURL: db.url)
        try directory.load()
        let stop = Atomic<Bool>(false)
        let url = db.url
        // `followChanges` blocks until stopped: on a thread of its own, not one of the pool's two.
        let follower = Task {
            try await onThread {
                directory.followChanges(databaseURL: url, pollInterval: .milliseconds(50)) { stop.load(ordering: .relaxed) }
            }
        }
        // The listener may not be listening yet: make a change, give the cache a few seconds to follow
        // it, and make a new change only if it did not (a notification sent before LISTEN is lost).
        var followed = false
        for attempt in 1...5 where !followed {
            let serial = "F-\(attempt + 1)"
            try db.connection.execute("UPDATE devices SET serial_number = $2 WHERE id = $1::uuid", [id, serial])
            followed = (try? await waitUntil("the cache to follow \(serial)", timeout: .seconds(5)) {
                directory.cached(id: PackedUUID(id)!)?.serialNumber == serial
            }) != nil
        }
        #expect(followed, "the cache never followed a serial change")
        stop.store(true, ordering: .relaxed)
        try await follower.value
    }
}
