import Presence
import Testing
import WallTime

@Suite("PresenceMachine: uptime and downtime")
struct PresenceMachineAccountingTests {
    @Test func countersFollowTransitionsToTheMicrosecond() {
        var machine = makeMachine()
        let d = machine.restoreQuietly(RestoredPresence(isOnline: false))
        _ = machine.messageSeen(d, at: t(10, us: 250))         // offline 10.000250 s since start
        _ = machine.statusOffline(d, at: t(40, us: 999_999))   // online 30.999749 s
        _ = machine.messageSeen(d, at: t(41, us: 1))           // offline 0.000002 s
        let counters = machine.counters(of: d, at: t(50))      // online 8.999999 s
        #expect(counters.uptime == .microseconds(30_999_749 + 8_999_999))
        #expect(counters.downtime == .microseconds(10_000_250 + 2))
    }

    @Test func manyTransitionsMatchAReferenceModelExactly() {
        // A deterministic pseudo-random history of messages, wills, births and sweeps over 3 devices,
        // checked against a straightforward model: the sum of online and offline intervals.
        var machine = makeMachine(offlineAfter: .seconds(30))
        let devices = (0..<3).map { _ in machine.restoreQuietly(RestoredPresence(isOnline: false)) }
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ bound: UInt64) -> UInt64 {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return (seed >> 33) % bound
        }
        var now: Int64 = 0
        var reference = devices.map { _ in (online: false, since: Int64(0), up: Int64(0), down: Int64(0)) }
        func apply(_ actions: [PresenceAction]) {
            for action in actions {
                switch action {
                case .markOnline(let d, let at), .markOffline(let d, let at, _):
                    let i = Int(d.index)
                    let instant = at.microseconds - t(0).microseconds
                    let span = instant - reference[i].since
                    if reference[i].online { reference[i].up += span } else { reference[i].down += span }
                    reference[i].online.toggle()
                    reference[i].since = instant
                default: break
                }
            }
        }
        for _ in 0..<5_000 {
            now += Int64(next(20_000_000)) + 1   // up to 20 s, microsecond steps
            let d = devices[Int(next(3))]
            let at = WallInstant(microseconds: t(0).microseconds + now)
            switch next(10) {
            case 0...4: apply(machine.messageSeen(d, at: at))
            case 5: apply(machine.heartbeat(d, at: at))
            case 6: apply(machine.statusOnline(d, at: at))
            case 7: apply(machine.statusOffline(d, at: at))
            default: apply(machine.sweep(now: at))
            }
        }
        let end = WallInstant(microseconds: t(0).microseconds + now)
        apply(machine.sweep(now: end))
        for (i, d) in devices.enumerated() {
            var expected = reference[i]
            let tail = now - expected.since
            if expected.online { expected.up += tail } else { expected.down += tail }
            let counters = machine.counters(of: d, at: end)
            #expect(counters.uptime.microsecondsValue == expected.up)
            #expect(counters.downtime.microsecondsValue == expected.down)
            #expect(counters.uptime.microsecondsValue + counters.downtime.microsecondsValue == now)
        }
    }

    @Test func restartCarriesCountersExactlyAndSkipsTheOutage() {
        // Run 1: online at 0.5 s, offline by will at 100.25 s, shut down at 130.75 s.
        var first = makeMachine()
        let d = first.restoreQuietly(RestoredPresence(isOnline: false))
        _ = first.messageSeen(d, at: t(0, us: 500_000))
        _ = first.messageSeen(d, at: t(60))
        _ = first.statusOffline(d, at: t(100, us: 250_000))
        let row = first.takeChanges(now: t(130, us: 750_000), refreshing: first.count)[0]
        #expect(row.uptimeMicroseconds == 99_750_000)
        #expect(row.downtimeMicroseconds == 500_000 + 30_500_000)
        #expect(row.accountedAt == t(130, us: 750_000))
        #expect(row.status == .offline)

        // The gateway is down from 130.75 s to 1000 s: that time is neither uptime nor downtime.
        var second = makeMachine(startedAt: t(1000))
        let e = second.restoreQuietly(RestoredPresence(
            isOnline: false, lastSeen: row.lastSeen, uptimeMicroseconds: row.uptimeMicroseconds,
            downtimeMicroseconds: row.downtimeMicroseconds, hasOpenOfflineAlert: true
        ))
        _ = second.messageSeen(e, at: t(1010))
        let counters = second.counters(of: e, at: t(1020))
        #expect(counters.uptime == .microseconds(99_750_000 + 10_000_000))
        #expect(counters.downtime == .microseconds(31_000_000 + 10_000_000))
    }

    @Test func restoredOnlineDeviceGetsAFullLimitFromTheStart() {
        // Last seen long before the restart: silence while the gateway was down is no evidence.
        var machine = makeMachine(startedAt: t(1000))
        let d = machine.restoreQuietly(RestoredPresence(isOnline: true, lastSeen: t(0), uptimeMicroseconds: 5))
        #expect(machine.offlineDeadline(of: d) == t(1090))
        #expect(machine.sweep(now: t(1090)) == [])
        #expect(machine.sweep(now: t(1091)).first == .markOffline(d, at: t(1090), reason: .silence))
        let counters = machine.counters(of: d, at: t(1100))
        #expect(counters.uptime == .microseconds(90_000_005))
        #expect(counters.downtime == .seconds(10))
    }

    @Test func restoredOnlineDeviceWithAnOpenAlertHasItResolved() {
        var machine = makeMachine(startedAt: t(1000))
        let (d, actions) = machine.restore(RestoredPresence(isOnline: true, lastSeen: t(990), hasOpenOfflineAlert: true))
        #expect(actions == [.resolveOfflineAlert(d, at: t(1000))])
        #expect(!machine.hasOpenAlert(d))
    }

    @Test func timeGoingBackwardsNeverDecreasesCounters() {
        var machine = makeMachine()
        let d = machine.onlineDevice(at: t(10))
        _ = machine.statusOffline(d, at: t(20))
        _ = machine.messageSeen(d, at: t(15))    // clock stepped back 5 s: taken as t(20)
        let counters = machine.counters(of: d, at: t(30))
        #expect(counters.uptime == .seconds(20))
        #expect(counters.downtime == .seconds(10))
        #expect(machine.lastSeen(of: d) == t(20))
    }

    @Test func onlineCountersStopAtTheDeadlineEvenBeforeTheSweep() {
        var machine = makeMachine()
        let d = machine.onlineDevice(at: t(0))
        let counters = machine.counters(of: d, at: t(200))
        #expect(counters.uptime == .seconds(90))
        #expect(counters.downtime == .zero)   // becomes downtime once the sweep dates the transition
        _ = machine.sweep(now: t(200))
        #expect(machine.counters(of: d, at: t(200)).downtime == .seconds(110))
    }
}
