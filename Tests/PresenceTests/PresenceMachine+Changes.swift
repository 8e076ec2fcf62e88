import Presence
import Testing

@Suite("PresenceMachine: rows to write")
struct PresenceMachineChangesTests {
    @Test func eachChangedDeviceYieldsOneRowPerFlush() {
        var machine = makeMachine()
        let a = machine.restoreQuietly(RestoredPresence(isOnline: false))
        let b = machine.restoreQuietly(RestoredPresence(isOnline: false))
        _ = machine.restoreQuietly(RestoredPresence(isOnline: false))
        for second in 1...50 { _ = machine.messageSeen(a, at: t(Int64(second))) }
        _ = machine.messageSeen(b, at: t(3))
        let rows = machine.takeChanges(now: t(60))
        #expect(rows.map(\.device) == [a, b])
        #expect(rows[0].lastSeen == t(50))
        #expect(machine.takeChanges(now: t(61)).isEmpty)
    }

    @Test func refreshVisitsUnchangedDevicesRoundRobin() {
        var machine = makeMachine()
        let devices = (0..<5).map { _ in machine.restoreQuietly(RestoredPresence(isOnline: false)) }
        _ = machine.messageSeen(devices[0], at: t(1))
        let first = machine.takeChanges(now: t(2), refreshing: 2)
        #expect(first.map(\.device) == [devices[0], devices[1], devices[2]])
        let second = machine.takeChanges(now: t(3), refreshing: 2)
        #expect(second.map(\.device) == [devices[3], devices[4]])
        let third = machine.takeChanges(now: t(4), refreshing: 2)
        #expect(third.map(\.device) == [devices[0], devices[1]])
        // Refreshed counters are accounted to the flush instant.
        #expect(third[1].downtimeMicroseconds == 4_000_000)
        #expect(third[1].accountedAt == t(4))
    }

    @Test func statusIsOnlyWrittenOnceTheMachineHasSetIt() {
        // A device in 'maintenance' stays so until something actually changes its presence.
        var machine = makeMachine()
        let d = machine.restoreQuietly(RestoredPresence(isOnline: false))
        #expect(machine.takeChanges(now: t(1), refreshing: 1)[0].status == nil)
        _ = machine.messageSeen(d, at: t(2))
        #expect(machine.takeChanges(now: t(3))[0].status == .online)
    }

    @Test func requeuedRowsAreWrittenAgainWithTheirFirmware() {
        var machine = makeMachine()
        let d = machine.onlineDevice(at: t(1))
        _ = machine.heartbeat(d, at: t(2), firmware: "2.0")
        let failed = machine.takeChanges(now: t(3))
        #expect(!machine.isDirty(d))
        machine.requeue(failed)
        #expect(machine.isDirty(d))
        let retried = machine.takeChanges(now: t(4))
        #expect(retried.count == 1)
        #expect(retried[0].firmware == "2.0")
        #expect(retried[0].accountedAt == t(4))
    }

    @Test func lateAddedDeviceMergesItsStoredRow() {
        var machine = makeMachine()
        let d = machine.add(at: t(500))
        _ = machine.messageSeen(d, at: t(500))
        let actions = machine.merge(d, stored: RestoredPresence(
            isOnline: false, lastSeen: t(100), uptimeMicroseconds: 7_000_000, downtimeMicroseconds: 3_000_000,
            offlineAfterSeconds: 20, hasOpenOfflineAlert: true
        ))
        // Online by now, so the stored open alert is resolved; stored counters are added.
        #expect(actions == [.resolveOfflineAlert(d, at: t(500))])
        #expect(machine.offlineDeadline(of: d) == t(520))
        let counters = machine.counters(of: d, at: t(510))
        #expect(counters.uptime == .seconds(17))
        #expect(counters.downtime == .seconds(3))
    }
}
