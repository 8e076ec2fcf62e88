import Alerts
import GatewayConfig
import Testing

/// `for_s`: the condition must hold this long, on the machine's clock, before anything is raised.
@Suite("ThresholdRuleMachine: for_s")
struct ThresholdRuleMachineDurationTests {
    @Test("for_s 0 raises on the first reading beyond the bound, not on one at the bound")
    func immediate() throws {
        var m = machine(try hot())
        #expect(m.reading(80, at: s(0)) == .nothing)
        #expect(m.state == .idle)
        #expect(m.reading(80.5, at: s(1)) == .raise(trigger: 80.5, current: 80.5))
        #expect(m.state == .open(.init(level: 1, acknowledged: false, lastEscalationAt: s(1), current: 80.5)))
    }

    @Test("for_s boundary: not raised one microsecond early, raised exactly at for_s (by tick or by reading)")
    func boundary() throws {
        var byTick = machine(try hot(forSeconds: 10))
        #expect(byTick.reading(85, at: s(100)) == .nothing)
        #expect(byTick.state == .pending(since: s(100), latest: 85))
        #expect(byTick.tick(now: s(110) - 1) == .nothing)
        #expect(byTick.reading(86, at: s(105)) == .nothing)
        #expect(byTick.tick(now: s(110)) == .raise(trigger: 86, current: 86))

        var byReading = machine(try hot(forSeconds: 10))
        _ = byReading.reading(85, at: s(100))
        #expect(byReading.reading(87, at: s(110) - 1) == .nothing)
        #expect(byReading.reading(88, at: s(110)) == .raise(trigger: 88, current: 88))
    }

    @Test("a value back inside during for_s starts the wait over")
    func interrupted() throws {
        var m = machine(try hot(forSeconds: 10))
        _ = m.reading(85, at: s(0))
        #expect(m.reading(79, at: s(5)) == .nothing)
        #expect(m.state == .idle)
        #expect(m.tick(now: s(10)) == .nothing)
        _ = m.reading(85, at: s(6))
        #expect(m.tick(now: s(15)) == .nothing)
        #expect(m.tick(now: s(16)) == .raise(trigger: 85, current: 85))
    }

    @Test("ticks without a pending condition do nothing")
    func idleTicks() throws {
        var m = machine(try hot(forSeconds: 1))
        for t in 0..<100 { #expect(m.tick(now: s(Double(t))) == .nothing) }
        #expect(m.state == .idle)
    }
}
