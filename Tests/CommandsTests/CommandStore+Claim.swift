import Commands
import Foundation
import Postgres
import Testing
import TestSupport
import WallTime

@Suite("CommandStore: notify and claim")
struct CommandStoreClaimTests {
    @Test func pendingRowInsertedBySQLIsNotifiedAndClaimable() async throws {
        let fixture = try await CommandFixture.make()
        let listener = try fixture.connect()
        try listener.listen(CommandStore.notificationChannel)

        let id = try fixture.insertCommand()
        let notified = try await waitFor("a mash_commands notification") {
            try listener.notifications(timeout: .milliseconds(200)).first
        }
        #expect(notified.payload == id.uuidString.lowercased())

        let store = CommandStore(connection: try fixture.connect())
        let now = WallInstant.now()
        let claimed = try store.claimPending(limit: 10, online: .databaseStatus, ttl: .seconds(86_400), now: now)
        #expect(claimed.map(\.id) == [id])
        #expect(claimed.first?.snapshot.status == .sent)
        #expect(claimed.first?.snapshot.sentAt == now)
        #expect(claimed.first?.publishKey == "SN-1")
        #expect(try fixture.status(id).status == "sent")
        // Claimed once: a second claim finds nothing.
        #expect(try store.claimPending(limit: 10, online: .databaseStatus, ttl: .seconds(86_400), now: now).isEmpty)

        // Set back to pending by hand: notified again, claimable again.
        try fixture.connection.execute("UPDATE device_commands SET status = 'pending' WHERE id = $1::uuid", [id.uuidString])
        let again = try await waitFor("a second notification") { try listener.notifications(timeout: .milliseconds(200)).first }
        #expect(again.payload == id.uuidString.lowercased())
        // Other updates do not notify.
        try fixture.connection.execute("UPDATE device_commands SET command_data = '{}' WHERE id = $1::uuid", [id.uuidString])
        try fixture.connection.execute("INSERT INTO device_commands (device_id, command_type, command_data, status) VALUES ($1::uuid, 'x', '{}', 'completed')", [fixture.device.uuidString])
        #expect(try listener.notifications(timeout: .milliseconds(300)).isEmpty)
        #expect(try store.claimPending(limit: 10, online: .databaseStatus, ttl: .seconds(86_400), now: now).map(\.id) == [id])
    }

    @Test func offlineDevicesAndExpiredCommandsAreNotClaimed() async throws {
        let fixture = try await CommandFixture.make()
        let offline = try fixture.insertCommand(device: fixture.offlineDevice)
        let old = try fixture.insertCommand(createdAgo: 120)
        let store = CommandStore(connection: try fixture.connect())
        let now = WallInstant.now()
        #expect(try store.claimPending(limit: 10, online: .databaseStatus, ttl: .seconds(60), now: now).isEmpty)
        // An explicit presence view overrides devices.status.
        let claimed = try store.claimPending(limit: 10, online: .only([fixture.offlineDevice]), ttl: .seconds(60), now: now)
        #expect(claimed.map(\.id) == [offline])
        #expect(claimed.first?.publishKey == "AA:BB:CC:DD:EE:02")  // MAC as stored when there is no serial
        // The sweep times out the expired one with 'expired'.
        let expired = try store.expirePending(ttl: .seconds(60), now: now)
        #expect(expired.map(\.id) == [old])
        #expect(try fixture.status(old).status == "timeout")
        #expect(try fixture.status(old).error == "expired")
    }

    @Test func twoDispatchersClaimingConcurrentlyClaimEachCommandOnce() async throws {
        let fixture = try await CommandFixture.make()
        try fixture.connection.execute("""
            INSERT INTO device_commands (device_id, command_type, command_data, created_at)
            SELECT $1::uuid, 'reboot', '{}', now() - i * interval '1 millisecond' FROM generate_series(1, 600) AS i
            """, [fixture.device.uuidString])
        // Both connections are open before either starts; threads, so the claims really run at once.
        let stores = try (0..<2).map { _ in CommandStore(connection: try fixture.connect()) }
        let all = try await simultaneously(stores.map { store in
            nonisolated(unsafe) let store = store
            return { @Sendable () -> [UUID] in
                var mine: [UUID] = []
                while let rows = try? store.claimPending(limit: 7, online: .databaseStatus, ttl: .seconds(3600), now: .now()), !rows.isEmpty {
                    mine += rows.map(\.id)
                }
                return mine
            }
        })
        let flat = all.flatMap { $0 }
        #expect(flat.count == 600)
        #expect(Set(flat).count == 600)
        #expect(try fixture.column("SELECT count(*) FROM device_commands WHERE status = 'sent'") == ["600"])
        // Each claimer took a share (the claims really overlapped in time); not asserted, reported.
        print("claim shares across 2 connections: \(all.map(\.count))")
    }

    @Test func rowsLockedByAnUncommittedClaimAreSkippedNotWaitedFor() async throws {
        let fixture = try await CommandFixture.make()
        for _ in 0..<10 { try fixture.insertCommand() }
        let first = CommandStore(connection: try fixture.connect())
        let second = CommandStore(connection: try fixture.connect())
        try first.connection.execute("BEGIN")
        let a = try first.claimPending(limit: 4, online: .databaseStatus, ttl: .seconds(3600), now: .now())
        // `second` must neither block on `first`'s locks nor take its rows.
        let b = try second.claimPending(limit: 100, online: .databaseStatus, ttl: .seconds(3600), now: .now())
        try first.connection.execute("COMMIT")
        #expect(a.count == 4)
        #expect(b.count == 6)
        #expect(Set(a.map(\.id)).isDisjoint(with: b.map(\.id)))
        #expect(try fixture.column("SELECT count(*) FROM device_commands WHERE status = 'sent'") == ["10"])
    }
}
