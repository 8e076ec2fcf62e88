import Presence
import Testing

/// The LWT race (ANCHORS row 12): a will from a connection the device has already replaced must
/// not mark the live device offline.
@Suite("PresenceMachine: will overtaking a reconnect")
struct PresenceMachineWillRaceTests {
    @Test func willOfTheReplacedConnectionIsIgnored() {
        var machine = makeMachine()
        let d = machine.restoreQuietly(RestoredPresence(isOnline: false))
        #expect(machine.statusOnline(d, at: t(0)) == [.markOnline(d, at: t(0))])   // connection 1
        _ = machine.messageSeen(d, at: t(5))
        #expect(machine.statusOnline(d, at: t(10)) == [])                          // connection 2, before 1's will
        _ = machine.messageSeen(d, at: t(11))
        #expect(machine.statusOffline(d, at: t(12)) == [.willOvertaken(d, at: t(12))])  // connection 1's will, late
        #expect(machine.status(of: d) == .online)
        #expect(!machine.hasOpenAlert(d))
        // Connection 2's own will is genuine.
        #expect(machine.statusOffline(d, at: t(40)) == [
            .markOffline(d, at: t(40), reason: .will), .raiseOfflineAlert(d, at: t(40), reason: .will),
        ])
    }

    @Test func willBeforeTheReconnectIsAnOrdinaryOutage() {
        var machine = makeMachine()
        let d = machine.restoreQuietly(RestoredPresence(isOnline: false))
        _ = machine.statusOnline(d, at: t(0))
        #expect(machine.statusOffline(d, at: t(3)).first == .markOffline(d, at: t(3), reason: .will))
        #expect(machine.statusOnline(d, at: t(4)) == [.markOnline(d, at: t(4)), .resolveOfflineAlert(d, at: t(4))])
        // The reconnect came after the will: no stale will is expected, the next offline is genuine.
        #expect(machine.statusOffline(d, at: t(5)).first == .markOffline(d, at: t(5), reason: .will))
    }

    @Test func deviceThatConnectsAndDiesIsMarkedOffline() {
        var machine = makeMachine()
        let d = machine.restoreQuietly(RestoredPresence(isOnline: false))
        _ = machine.statusOnline(d, at: t(0))
        #expect(machine.statusOffline(d, at: t(1)).first == .markOffline(d, at: t(1), reason: .will))
    }

    @Test func severalQuickReconnectsExpectOneStaleWillEach() {
        var machine = makeMachine()
        let d = machine.restoreQuietly(RestoredPresence(isOnline: false))
        _ = machine.statusOnline(d, at: t(0))
        _ = machine.statusOnline(d, at: t(1))
        _ = machine.statusOnline(d, at: t(2))
        #expect(machine.statusOffline(d, at: t(3)) == [.willOvertaken(d, at: t(3))])
        #expect(machine.statusOffline(d, at: t(4)) == [.willOvertaken(d, at: t(4))])
        #expect(machine.statusOffline(d, at: t(5)).first == .markOffline(d, at: t(5), reason: .will))
    }

    @Test func expectationLapsesAfterTheDevicesOfflineLimit() {
        var machine = makeMachine()
        let d = machine.restoreQuietly(RestoredPresence(isOnline: false))
        _ = machine.statusOnline(d, at: t(0))
        _ = machine.statusOnline(d, at: t(10))   // a re-announcement, or a reconnect whose old will was lost
        _ = machine.messageSeen(d, at: t(60))
        // Exactly offline_after_s after the birth: still taken as the stale will.
        var copy = machine
        #expect(copy.statusOffline(d, at: t(100)) == [.willOvertaken(d, at: t(100))])
        // Later than that: genuine.
        #expect(machine.statusOffline(d, at: t(100, us: 1)).first == .markOffline(d, at: t(100, us: 1), reason: .will))
    }

    @Test func swallowedGenuineWillStillEndsInOfflineBySilence() {
        // Worst case of the rule: a device re-announces `online` on a live connection, then dies.
        var machine = makeMachine()
        let d = machine.restoreQuietly(RestoredPresence(isOnline: false))
        _ = machine.statusOnline(d, at: t(0))
        _ = machine.statusOnline(d, at: t(5))
        #expect(machine.statusOffline(d, at: t(6)) == [.willOvertaken(d, at: t(6))])
        // Nothing more arrives: offline at last_seen + offline_after_s, never online for good (ANCHORS row 8).
        #expect(machine.sweep(now: t(96)).first == .markOffline(d, at: t(95), reason: .silence))
    }

    @Test func retainedWillIsNeverTakenAsStale() {
        var machine = makeMachine()
        let d = machine.restoreQuietly(RestoredPresence(isOnline: false))
        _ = machine.statusOnline(d, at: t(0))
        _ = machine.statusOnline(d, at: t(1))
        #expect(machine.statusOffline(d, at: t(2), retained: true).first == .markOffline(d, at: t(2), reason: .will))
    }

    @Test func goingOfflineClearsStaleWillExpectations() {
        var machine = makeMachine()
        let d = machine.restoreQuietly(RestoredPresence(isOnline: false))
        _ = machine.statusOnline(d, at: t(0))
        _ = machine.statusOnline(d, at: t(1))              // expects one stale will
        _ = machine.sweep(now: t(200))                     // offline by silence at t(91)
        _ = machine.statusOnline(d, at: t(300))            // new connection after the outage
        #expect(machine.statusOffline(d, at: t(301)).first == .markOffline(d, at: t(301), reason: .will))
    }
}
