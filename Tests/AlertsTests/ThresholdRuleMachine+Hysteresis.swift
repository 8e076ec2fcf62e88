import Alerts
import GatewayConfig
import Testing

/// Hysteresis and flapping: one alert per excursion, resolved only when back inside by `hysteresis`.
@Suite("ThresholdRuleMachine: hysteresis and flapping")
struct ThresholdRuleMachineHysteresisTests {
    @Test("above: resolves at above − hysteresis, not just inside the bound")
    func above() throws {
        var m = machine(try hot(hysteresis: 2))
        _ = m.reading(85, at: s(0))
        #expect(m.reading(79, at: s(1)) == .updateCurrent(79))
        #expect(m.reading(78.01, at: s(2)) == .updateCurrent(78.01))
        #expect(m.reading(78, at: s(3)) == .resolve(current: 78))
        #expect(m.state == .idle)
    }

    @Test("below: resolves at below + hysteresis")
    func below() throws {
        let rule = try AlertRule(name: "cold", sensor: "temperature", below: -10, hysteresis: 1.5)
        var m = machine(rule)
        #expect(m.reading(-10, at: s(0)) == .nothing)
        #expect(m.reading(-10.5, at: s(1)) == .raise(trigger: -10.5, current: -10.5))
        #expect(m.reading(-9, at: s(2)) == .updateCurrent(-9))
        #expect(m.reading(-8.5, at: s(3)) == .resolve(current: -8.5))
    }

    @Test("above and below: either side raises; jumping to the other side keeps the one alert open")
    func band() throws {
        let rule = try AlertRule(name: "band", sensor: "humidity", above: 70, below: 30, hysteresis: 5)
        var m = machine(rule)
        #expect(m.reading(25, at: s(0)) == .raise(trigger: 25, current: 25))
        #expect(m.reading(75, at: s(1)) == .updateCurrent(75))
        #expect(m.reading(66, at: s(2)) == .updateCurrent(66))
        #expect(m.reading(65, at: s(3)) == .resolve(current: 65))
        #expect(m.reading(71, at: s(4)) == .raise(trigger: 71, current: 71))
        #expect(m.reading(35, at: s(5)) == .resolve(current: 35))
    }

    @Test("flapping around the bound makes one alert, not one per crossing")
    func flapping() throws {
        var m = machine(try hot(hysteresis: 2))
        var raises = 0
        var resolves = 0
        for (i, value) in [81.0, 79.5, 80.5, 79, 80.1, 78.5, 81, 79.9].enumerated() {
            switch m.reading(value, at: s(Double(i))) {
            case .raise: raises += 1
            case .resolve: resolves += 1
            default: break
            }
        }
        #expect(raises == 1)
        #expect(resolves == 0)
    }

    @Test("two readings a few ms apart make one alert")
    func burst() throws {
        var m = machine(try hot())
        #expect(m.reading(90, at: 1_000_000) == .raise(trigger: 90, current: 90))
        #expect(m.reading(91, at: 1_003_000) == .updateCurrent(91))
    }

    @Test("without auto_resolve the alert stays open when the value is back; current follows")
    func noAutoResolve() throws {
        var m = machine(try hot(autoResolve: false))
        _ = m.reading(90, at: s(0))
        #expect(m.reading(20, at: s(1)) == .updateCurrent(20))
        #expect(m.reading(95, at: s(2)) == .updateCurrent(95))
    }

    @Test("resolved by an operator while still hot: nothing new until the value is back inside by hysteresis")
    func operatorResolveLatches() throws {
        var m = machine(try hot(hysteresis: 2))
        _ = m.reading(90, at: s(0))
        m.resolvedByOperator()
        #expect(m.state == .cleared)
        #expect(m.reading(91, at: s(1)) == .nothing)
        #expect(m.reading(79, at: s(2)) == .nothing)
        #expect(m.state == .cleared)
        #expect(m.reading(78, at: s(3)) == .backInside)
        #expect(m.state == .idle)
        #expect(m.reading(81, at: s(4)) == .raise(trigger: 81, current: 81))
    }

    @Test("resolved by an operator after the value came back: idle at once")
    func operatorResolveWhenInside() throws {
        var m = machine(try hot(autoResolve: false))
        _ = m.reading(90, at: s(0))
        _ = m.reading(50, at: s(1))
        m.resolvedByOperator()
        #expect(m.state == .idle)
        #expect(m.reading(81, at: s(2)) == .raise(trigger: 81, current: 81))
    }
}
