import Commands
import Foundation
import Testing
import TestSupport
import WallTime

@Suite("CommandDispatcher: lifecycle in the database and restart recovery")
struct CommandDispatcherRecoveryTests {
    @Test func claimSendsAndAckThenResultCompletes() async throws {
        let fixture = try await CommandFixture.make()
        let id = try fixture.insertCommand(timeout: 30, maxRetries: 2)
        let core = try dispatcher(fixture)
        let t0 = WallInstant.now()
        let effects = try core.claimPending(limit: 10, now: t0)
        let publish = try #require(effects.devicePublishes.first)
        #expect(publish.topic == "devices/SN-1/commands/\(id.uuidString.lowercased())")
        let payload = try JSONSerialization.jsonObject(with: Data(publish.payload.utf8)) as! [String: Any]
        #expect(payload["id"] as? String == id.uuidString.lowercased())
        #expect(payload["type"] as? String == "reboot")
        #expect((payload["data"] as? [String: Any])?["delay"] as? Int == 1)
        #expect(payload["attempt"] as? Int == 1)
        #expect(payload["timeout_s"] as? Int == 30)
        #expect(core.nextDeadline == t0 + .seconds(30))

        // No ack: re-sent at the deadline with retry_count 1.
        let resend = try core.fireDueTimers(now: t0 + .seconds(30))
        #expect(resend.devicePublishes.map(\.attempt) == [2])
        #expect(try fixture.status(id).status == "sent" && fixture.status(id).retry == 1)

        _ = try core.apply([.acknowledged(commandID: id, deviceID: fixture.device)], now: t0 + .seconds(31))
        #expect(try fixture.status(id).status == "acknowledged")
        let late = try core.apply([.acknowledged(commandID: id, deviceID: fixture.device)], now: t0 + .seconds(32))
        #expect(late.ignoredReasons == ["duplicate acknowledgement"])
        _ = try core.apply([.result(commandID: id, deviceID: fixture.device, payload: Array(#"{"status":"completed"}"#.utf8))], now: t0 + .seconds(33))
        #expect(try fixture.status(id).status == "completed")
        #expect(core.inFlightCount == 0 && core.nextDeadline == nil)
        let times = try fixture.connection.execute("""
            SELECT sent_at IS NOT NULL AND acknowledged_at IS NOT NULL AND completed_at IS NOT NULL AS all_set FROM device_commands WHERE id = $1::uuid
            """, [id.uuidString])
        #expect(times[0, "all_set"] == "t")
        // A late result after completion changes nothing and is reported.
        let after = try core.apply([.result(commandID: id, deviceID: nil, payload: Array(#"{"status":"failed","error":"x"}"#.utf8))], now: t0 + .seconds(40))
        #expect(after.ignoredReasons == ["result after completed"])
        #expect(try fixture.status(id).status == "completed")
    }

    @Test func restartRebuildsTimersFromTheRows() async throws {
        let fixture = try await CommandFixture.make()
        let sent = try fixture.insertCommand(status: "sent", timeout: 30, createdAgo: 20, sentAgo: 20)
        let acked = try fixture.insertCommand(status: "acknowledged", timeout: 30, createdAgo: 25, sentAgo: 25, acknowledgedAgo: 10)
        let expired = try fixture.insertCommand(status: "sent", timeout: 30, createdAgo: 4000, sentAgo: 5)
        let core = try dispatcher(fixture, ttl: 3600)
        #expect(try core.loadActive() == 3)
        let rows = try fixture.connection.execute("""
            SELECT id, \("(extract(epoch FROM sent_at) * 1000000)::bigint") AS sent_us,
                   (extract(epoch FROM acknowledged_at) * 1000000)::bigint AS ack_us FROM device_commands ORDER BY created_at
            """)
        let sentAt = WallInstant(microseconds: Int64(rows[2, "sent_us"]!)!)
        let ackAt = WallInstant(microseconds: Int64(rows[1, "ack_us"]!)!)
        // sent 20 s ago with a 30 s timeout → fires 10 s from now; acknowledged 10 s ago → 20 s from now.
        #expect(core.machine(for: sent)?.deadline == sentAt + .seconds(30))
        #expect(core.machine(for: acked)?.deadline == ackAt + .seconds(30))

        // The expired one times out at the first timer pass.
        let now = WallInstant.now()
        let first = try core.fireDueTimers(now: now)
        #expect(first.devicePublishes.isEmpty)
        #expect(try fixture.status(expired).status == "timeout" && fixture.status(expired).error == "expired")
        #expect(try fixture.status(sent).status == "sent")

        // Sent before the restart, acknowledged and completed after it.
        _ = try core.apply([.acknowledged(commandID: sent, deviceID: fixture.device)], now: now)
        _ = try core.apply([.result(commandID: sent, deviceID: fixture.device, payload: Array(#"{"status":"failed","error":"disk"}"#.utf8))], now: now)
        #expect(try fixture.status(sent).status == "failed" && fixture.status(sent).error == "disk")

        // The acknowledged one waits for its result, then times out without a resend.
        #expect(try core.fireDueTimers(now: ackAt + .seconds(29)).isEmpty)
        let timedOut = try core.fireDueTimers(now: ackAt + .seconds(30))
        #expect(timedOut.devicePublishes.isEmpty)
        #expect(try fixture.status(acked).status == "timeout" && fixture.status(acked).retry == 0)
    }

    @Test func unknownCommandsAreLoadedFromTheDatabase() async throws {
        // An ack arriving at a gateway that does not hold the command (shared subscription, restart).
        let fixture = try await CommandFixture.make()
        let id = try fixture.insertCommand(status: "sent", createdAgo: 1, sentAgo: 1)
        let core = try dispatcher(fixture)
        _ = try core.apply([.acknowledged(commandID: id, deviceID: fixture.device)], now: .now())
        #expect(try fixture.status(id).status == "acknowledged")
        #expect(core.inFlightCount == 1)
        // From another device: refused.
        let spoofed = try fixture.insertCommand(status: "sent", createdAgo: 1, sentAgo: 1)
        let effects = try core.apply([.acknowledged(commandID: spoofed, deviceID: fixture.offlineDevice)], now: .now())
        #expect(effects.ignoredReasons.count == 1)
        #expect(try fixture.status(spoofed).status == "sent")
        #expect(try core.apply([.acknowledged(commandID: UUID(), deviceID: nil)], now: .now()).ignoredReasons == ["unknown command"])
    }

    @Test func twoGatewaysWatchingOneCommandChangeItOnce() async throws {
        let fixture = try await CommandFixture.make()
        let id = try fixture.insertCommand(status: "sent", timeout: 30, maxRetries: 3, createdAgo: 40, sentAgo: 40)
        let a = try dispatcher(fixture)
        let b = try dispatcher(fixture)
        try a.loadActive()
        try b.loadActive()
        let now = WallInstant.now()
        let fromA = try a.fireDueTimers(now: now)
        let fromB = try b.fireDueTimers(now: now)
        #expect(fromA.devicePublishes.count + fromB.devicePublishes.count == 1)
        #expect(fromB.ignoredReasons == ["changed by another writer; reloaded"])
        #expect(try fixture.status(id).retry == 1)
        // B reloaded the row and now waits on the same deadline as A.
        #expect(b.machine(for: id)?.snapshot == a.machine(for: id)?.snapshot)
    }

    @Test func offlineDeviceRequeuesWithoutSpendingARetryAndIsSentAgainWhenBack() async throws {
        let fixture = try await CommandFixture.make()
        let id = try fixture.insertCommand(timeout: 30, maxRetries: 1)
        let listener = try fixture.connect()
        try listener.listen(CommandStore.notificationChannel)
        let core = try dispatcher(fixture)
        let t0 = WallInstant.now()
        _ = try core.claimPending(limit: 1, now: t0)
        _ = try core.apply([.deviceOffline(fixture.device)], now: t0 + .seconds(1))
        _ = try core.fireDueTimers(now: t0 + .seconds(30))
        #expect(try fixture.status(id).status == "pending" && fixture.status(id).retry == 0)
        #expect(core.inFlightCount == 0)
        _ = try await waitFor("the re-queue notification") {
            try listener.notifications(timeout: .milliseconds(200)).first { $0.payload == id.uuidString.lowercased() }
        }
        let again = try core.claimPending(limit: 1, online: .only([fixture.device]), now: t0 + .seconds(60))
        #expect(again.devicePublishes.map(\.attempt) == [1])
    }
}
