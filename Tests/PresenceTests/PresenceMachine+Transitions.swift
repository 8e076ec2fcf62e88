import Presence
import Testing

@Suite("PresenceMachine: transitions")
struct PresenceMachineTransitionTests {
    @Test func messageBringsAnOfflineDeviceOnline() {
        var machine = makeMachine()
        let d = machine.restoreQuietly(RestoredPresence(isOnline: false))
        #expect(machine.messageSeen(d, at: t(5)) == [.markOnline(d, at: t(5))])
        #expect(machine.status(of: d) == .online)
        #expect(machine.lastSeen(of: d) == t(5))
        #expect(machine.offlineDeadline(of: d) == t(95))
        #expect(machine.messageSeen(d, at: t(6)) == [])
        #expect(machine.offlineDeadline(of: d) == t(96))
    }

    @Test func comingBackResolvesTheOpenAlert() {
        var machine = makeMachine()
        let d = machine.restoreQuietly(RestoredPresence(isOnline: false, hasOpenOfflineAlert: true))
        #expect(machine.hasOpenAlert(d))
        #expect(machine.messageSeen(d, at: t(1)) == [.markOnline(d, at: t(1)), .resolveOfflineAlert(d, at: t(1))])
        #expect(!machine.hasOpenAlert(d))
    }

    @Test func heartbeatSetsLastHeartbeatAndFirmware() {
        var machine = makeMachine()
        let d = machine.onlineDevice(at: t(1))
        #expect(machine.heartbeat(d, at: t(2), firmware: "1.4.2") == [])
        #expect(machine.lastHeartbeat(of: d) == t(2))
        #expect(machine.heartbeat(d, at: t(3)) == [])
        let rows = machine.takeChanges(now: t(3))
        #expect(rows.count == 1)
        #expect(rows[0].lastHeartbeat == t(3))
        #expect(rows[0].lastSeen == t(3))
        #expect(rows[0].firmware == "1.4.2")
        #expect(rows[0].status == .online)
        // Firmware is written once, not on every later flush.
        _ = machine.heartbeat(d, at: t(4))
        #expect(machine.takeChanges(now: t(4))[0].firmware == nil)
    }

    @Test func offlineStatusSwitchesAtOnceAndRaisesOneAlert() {
        var machine = makeMachine()
        let d = machine.onlineDevice(at: t(1))
        #expect(machine.statusOffline(d, at: t(10)) == [
            .markOffline(d, at: t(10), reason: .will), .raiseOfflineAlert(d, at: t(10), reason: .will),
        ])
        #expect(machine.status(of: d) == .offline)
        #expect(machine.offlineDeadline(of: d) == nil)
        // Already offline: a second will, or a sweep, changes nothing and raises nothing.
        #expect(machine.statusOffline(d, at: t(11)) == [])
        #expect(machine.sweep(now: t(1000)) == [])
        #expect(machine.statusOnline(d, at: t(20)) == [.markOnline(d, at: t(20)), .resolveOfflineAlert(d, at: t(20))])
    }

    @Test func willDoesNotCountAsASighting() {
        var machine = makeMachine()
        let d = machine.onlineDevice(at: t(1))
        _ = machine.statusOffline(d, at: t(10))
        #expect(machine.lastSeen(of: d) == t(1))
    }

    @Test func silenceBoundaryIsExact() {
        var machine = makeMachine()
        let d = machine.onlineDevice(at: t(10))
        // Silent for exactly 90 s: still online.
        #expect(machine.sweep(now: t(100)) == [])
        #expect(machine.status(of: d) == .online)
        // One microsecond longer: offline, dated at the deadline, not at the sweep.
        #expect(machine.sweep(now: t(100, us: 1)) == [
            .markOffline(d, at: t(100), reason: .silence), .raiseOfflineAlert(d, at: t(100), reason: .silence),
        ])
        // A late sweep dates it the same.
        var late = makeMachine()
        let e = late.onlineDevice(at: t(10))
        #expect(late.sweep(now: t(500)) == [
            .markOffline(e, at: t(100), reason: .silence), .raiseOfflineAlert(e, at: t(100), reason: .silence),
        ])
    }

    @Test func messageAtTheDeadlineKeepsItOnline() {
        var machine = makeMachine()
        let d = machine.onlineDevice(at: t(10))
        #expect(machine.messageSeen(d, at: t(100)) == [])
        #expect(machine.offlineDeadline(of: d) == t(190))
    }

    @Test func messageAfterAMissedSweepAppliesTheOverdueSilenceFirst() {
        var machine = makeMachine()
        let d = machine.onlineDevice(at: t(10))
        #expect(machine.messageSeen(d, at: t(100, us: 1)) == [
            .markOffline(d, at: t(100), reason: .silence), .raiseOfflineAlert(d, at: t(100), reason: .silence),
            .markOnline(d, at: t(100, us: 1)), .resolveOfflineAlert(d, at: t(100, us: 1)),
        ])
        let counters = machine.counters(of: d, at: t(100, us: 1))
        #expect(counters.uptime == .seconds(90))
        #expect(counters.downtime == .microseconds(10_000_001))   // offline from the start until t(10), then 1 µs
    }

    @Test func retainedOnlineIsNotProofOfLife() {
        var machine = makeMachine()
        let d = machine.restoreQuietly(RestoredPresence(isOnline: false, lastSeen: t(-500)))
        #expect(machine.statusOnline(d, at: t(1), retained: true) == [])
        #expect(machine.status(of: d) == .offline)
        #expect(machine.lastSeen(of: d) == t(-500))
    }

    @Test func retainedOfflineMarksARestoredOnlineDeviceOffline() {
        var machine = makeMachine()
        let d = machine.restoreQuietly(RestoredPresence(isOnline: true, lastSeen: t(-30)))
        #expect(machine.statusOffline(d, at: t(1), retained: true) == [
            .markOffline(d, at: t(1), reason: .will), .raiseOfflineAlert(d, at: t(1), reason: .will),
        ])
    }

    @Test func perDeviceOfflineAfterOverridesTheDefault() {
        var machine = makeMachine()
        let fast = machine.restoreQuietly(RestoredPresence(isOnline: false, offlineAfterSeconds: 10))
        let normal = machine.restoreQuietly(RestoredPresence(isOnline: false))
        _ = machine.messageSeen(fast, at: t(0))
        _ = machine.messageSeen(normal, at: t(0))
        #expect(machine.offlineAfter(of: fast) == .seconds(10))
        #expect(machine.sweep(now: t(11)) == [
            .markOffline(fast, at: t(10), reason: .silence), .raiseOfflineAlert(fast, at: t(10), reason: .silence),
        ])
        #expect(machine.status(of: normal) == .online)
        // Changing the override moves an online device's deadline at once; nil restores the default.
        machine.setOfflineAfter(normal, seconds: 30)
        #expect(machine.offlineDeadline(of: normal) == t(30))
        machine.setOfflineAfter(normal, seconds: nil)
        #expect(machine.offlineDeadline(of: normal) == t(90))
    }

    @Test func ignoredDevicesProduceNothing() {
        var machine = makeMachine()
        let d = machine.add(at: t(1))
        _ = machine.messageSeen(d, at: t(1))
        machine.ignore(d)
        #expect(machine.messageSeen(d, at: t(2)) == [])
        #expect(machine.statusOffline(d, at: t(3)) == [])
        #expect(machine.sweep(now: t(1000)) == [])
        #expect(machine.takeChanges(now: t(1000), refreshing: 10).isEmpty)
    }
}
