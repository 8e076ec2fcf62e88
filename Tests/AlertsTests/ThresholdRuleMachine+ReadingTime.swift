import Alerts
import GatewayConfig
import Testing

/// Readings judged on their own time: late and repeated readings, readings written back from the
/// spool after an outage (judged later than they happened).
@Suite("ThresholdRuleMachine: reading time, late readings, backlogs")
struct ThresholdRuleMachineReadingTimeTests {
    @Test("a reading not newer than the last one judged is not judged: no raise, no state change")
    func lateReadingIgnored() throws {
        var m = machine(try hot())
        #expect(m.reading(70, at: s(10)) == .nothing)
        #expect(m.isLate(s(10)))
        #expect(m.isLate(s(9)))
        #expect(!m.isLate(s(10) + 1))
        #expect(m.reading(95, at: s(9)) == .nothing)
        #expect(m.reading(95, at: s(10)) == .nothing)
        #expect(m.state == .idle)
        #expect(m.lastJudgedAt == s(10))
        #expect(m.reading(95, at: s(11)) == .raise(trigger: 95, current: 95))
    }

    @Test("a late reading does not resolve an open alert")
    func lateReadingDoesNotResolve() throws {
        var m = machine(try hot())
        _ = m.reading(90, at: s(20))
        #expect(m.reading(50, at: s(19)) == .nothing)
        guard case .open(let open) = m.state else { Issue.record("not open: \(m.state)"); return }
        #expect(open.current == 90)
    }

    @Test("for_s on reading time: a backlog judged an hour late raises only when its readings span for_s")
    func backlogForSeconds() throws {
        var m = machine(try hot(forSeconds: 60))
        let now = s(7200)
        #expect(m.reading(85, at: s(0), now: now) == .nothing)
        #expect(m.reading(86, at: s(30), now: now) == .nothing)
        // The gateway's clock is far past since + for_s, but it only learned of the condition now.
        #expect(m.tick(now: now + s(1)) == .nothing)
        #expect(m.reading(70, at: s(40), now: now + s(1)) == .nothing)
        #expect(m.state == .idle)
        #expect(m.reading(85, at: s(100), now: now + s(2)) == .nothing)
        #expect(m.reading(87, at: s(160), now: now + s(2)) == .raise(trigger: 87, current: 87))
    }

    @Test("a condition known only from a backlog is raised by tick for_s after the gateway learned of it")
    func backlogRaisedByTickLater() throws {
        var m = machine(try hot(forSeconds: 60))
        let now = s(7200)
        _ = m.reading(85, at: s(0), now: now)
        #expect(m.tick(now: now + s(60) - 1) == .nothing)
        #expect(m.tick(now: now + s(60)) == .raise(trigger: 85, current: 85))
    }

    @Test("an alert raised from an old reading escalates escalate_after_s after it was raised, not after the reading")
    func escalationCountsFromRaise() throws {
        var m = machine(try hot(), escalateAfter: 900)
        let now = s(7200)
        #expect(m.reading(90, at: s(0), now: now) == .raise(trigger: 90, current: 90))
        #expect(m.tick(now: now + s(900) - 1) == .nothing)
        #expect(m.tick(now: now + s(900)) == .escalate(level: 2))
    }
}
