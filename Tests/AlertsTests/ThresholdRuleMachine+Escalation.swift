import Alerts
import GatewayConfig
import Testing

/// Escalation: every `escalate_after_s` while unacknowledged, up to `max_escalation_level`.
@Suite("ThresholdRuleMachine: escalation and restore")
struct ThresholdRuleMachineEscalationTests {
    @Test("escalates every escalate_after_s up to the maximum, then stops")
    func upToMax() throws {
        var m = machine(try hot(), escalateAfter: 60, maxLevel: 3)
        _ = m.reading(90, at: s(0))
        #expect(m.tick(now: s(60) - 1) == .nothing)
        #expect(m.tick(now: s(60)) == .escalate(level: 2))
        #expect(m.tick(now: s(61)) == .nothing)
        #expect(m.tick(now: s(120) - 1) == .nothing)
        #expect(m.tick(now: s(120)) == .escalate(level: 3))
        #expect(m.tick(now: s(180)) == .nothing)
        #expect(m.tick(now: s(10_000)) == .nothing)
    }

    @Test("a late tick escalates once, not once per missed interval")
    func lateTick() throws {
        var m = machine(try hot(), escalateAfter: 60, maxLevel: 5)
        _ = m.reading(90, at: s(0))
        #expect(m.tick(now: s(1000)) == .escalate(level: 2))
        #expect(m.tick(now: s(1001)) == .nothing)
        #expect(m.tick(now: s(1060)) == .escalate(level: 3))
    }

    @Test("acknowledged: no more escalation, still follows values and auto-resolves")
    func acknowledgedStops() throws {
        var m = machine(try hot(), escalateAfter: 60, maxLevel: 3)
        _ = m.reading(90, at: s(0))
        #expect(m.tick(now: s(60)) == .escalate(level: 2))
        m.acknowledged()
        #expect(m.tick(now: s(120)) == .nothing)
        #expect(m.tick(now: s(1000)) == .nothing)
        #expect(m.reading(91, at: s(1001)) == .updateCurrent(91))
        #expect(m.reading(70, at: s(1002)) == .resolve(current: 70))
    }

    @Test("max level 1 never escalates")
    func maxOne() throws {
        var m = machine(try hot(), escalateAfter: 1, maxLevel: 1)
        _ = m.reading(90, at: s(0))
        #expect(m.tick(now: s(100)) == .nothing)
    }

    @Test("restored after a restart: no second raise, escalation continues from the stored level and time")
    func restore() throws {
        var m = machine(try hot(), escalateAfter: 60, maxLevel: 3)
        m.restored(.init(level: 2, acknowledged: false, lastEscalationAt: s(100), current: 88))
        #expect(m.reading(89, at: s(110)) == .updateCurrent(89))
        #expect(m.tick(now: s(159)) == .nothing)
        #expect(m.tick(now: s(160)) == .escalate(level: 3))
        #expect(m.reading(70, at: s(170)) == .resolve(current: 70))

        var acknowledged = machine(try hot(), escalateAfter: 60, maxLevel: 3)
        acknowledged.restored(.init(level: 1, acknowledged: true, lastEscalationAt: s(0), current: 88))
        #expect(acknowledged.tick(now: s(1000)) == .nothing)
        #expect(acknowledged.reading(90, at: s(1001)) == .updateCurrent(90))
    }

    @Test("a rule replaced under the same name keeps the open alert and uses the new bound")
    func replaceRule() throws {
        var m = machine(try hot(hysteresis: 0))
        _ = m.reading(90, at: s(0))
        m.replaceRule(try AlertRule(name: "hot", sensor: "temperature", above: 60, hysteresis: 0))
        #expect(m.reading(70, at: s(1)) == .updateCurrent(70))
        #expect(m.reading(60, at: s(2)) == .resolve(current: 60))
    }

    @Test("exhaustive: any sequence of readings and ticks raises at most once per resolve")
    func invariant() throws {
        let values: [Double] = [70, 78, 79, 80, 80.5, 81, 90]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            var m = machine(try hot(forSeconds: 2, hysteresis: 2), escalateAfter: 3, maxLevel: 4)
            var open = false
            var level = 0
            var t: Int64 = 0
            for _ in 0..<60 {
                t += Int64.random(in: 0...1_500_000, using: &generator)
                let action = Bool.random(using: &generator)
                    ? m.reading(values.randomElement(using: &generator)!, at: t) : m.tick(now: t)
                switch action {
                case .raise:
                    #expect(!open)
                    open = true
                    level = 1
                case .resolve:
                    #expect(open)
                    open = false
                case .escalate(let new):
                    #expect(open && new == level + 1 && new <= 4)
                    level = new
                case .updateCurrent:
                    #expect(open)
                case .backInside:
                    Issue.record("back inside without an operator resolve")
                case .nothing:
                    break
                }
            }
        }
    }
}
