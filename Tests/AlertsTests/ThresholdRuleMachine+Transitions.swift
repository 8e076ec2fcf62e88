import Alerts
import GatewayConfig
import Testing

/// Every event in every state, table-driven: `above 80`, hysteresis 2, `for_s` 10, auto-resolve,
/// escalating every 900 s up to level 3. The switch is exhaustive, so a new state or event
/// cannot go untested.
@Suite("ThresholdRuleMachine: every event in every state")
struct ThresholdRuleMachineTransitionTests {
    typealias Action = ThresholdRuleMachine.Action
    typealias State = ThresholdRuleMachine.State
    typealias Open = ThresholdRuleMachine.Open

    static let t0 = s(1000)
    /// When readings arrive: past `for_s` since `t0`, before the first escalation is due.
    static let now = t0 + s(20)

    enum Start: String, CaseIterable, CustomStringConvertible {
        case idle, pending, open, openAcknowledged, openAtMaxLevel, openBackInside, cleared
        var description: String { rawValue }
    }

    enum Event: String, CaseIterable, CustomStringConvertible {
        /// 90: beyond the bound.
        case hot
        /// 79: inside the bound but not by the hysteresis.
        case warm
        /// 70: back inside by the hysteresis.
        case cool
        /// A tick 5 s after `t0`: before `for_s` and before an escalation is due.
        case tickEarly
        /// A tick 1000 s after `t0`: `for_s` passed and an escalation due.
        case tickLate
        case acknowledged
        case resolvedByOperator
        /// Restored after a restart as resolved by an operator while still beyond the bound.
        case restoredCleared
        var description: String { rawValue }
    }

    static func open(level: Int = 1, acknowledged: Bool = false, at: Int64 = t0, current: Double = 85) -> State {
        .open(Open(level: level, acknowledged: acknowledged, lastEscalationAt: at, current: current))
    }

    static func starting(_ start: Start) throws -> ThresholdRuleMachine {
        var machine = AlertsTests.machine(try hot(forSeconds: 10), escalateAfter: 900, maxLevel: 3)
        switch start {
        case .idle: break
        case .pending: _ = machine.reading(85, at: t0)
        case .open: machine.restored(Open(level: 1, acknowledged: false, lastEscalationAt: t0, current: 85))
        case .openAcknowledged: machine.restored(Open(level: 1, acknowledged: true, lastEscalationAt: t0, current: 85))
        case .openAtMaxLevel: machine.restored(Open(level: 3, acknowledged: false, lastEscalationAt: t0, current: 85))
        case .openBackInside: machine.restored(Open(level: 1, acknowledged: false, lastEscalationAt: t0, current: 75))
        case .cleared:
            machine.restored(Open(level: 1, acknowledged: false, lastEscalationAt: t0, current: 85))
            machine.resolvedByOperator()
        }
        return machine
    }

    static func apply(_ event: Event, to machine: inout ThresholdRuleMachine) -> Action {
        switch event {
        case .hot: return machine.reading(90, at: now)
        case .warm: return machine.reading(79, at: now)
        case .cool: return machine.reading(70, at: now)
        case .tickEarly: return machine.tick(now: t0 + s(5))
        case .tickLate: return machine.tick(now: t0 + s(1000))
        case .acknowledged:
            machine.acknowledged()
            return .nothing
        case .resolvedByOperator:
            machine.resolvedByOperator()
            return .nothing
        case .restoredCleared:
            machine.restoredCleared()
            return .nothing
        }
    }

    /// The whole table: (state, event) → (action, next state).
    static func expected(_ start: Start, _ event: Event, from state: State) -> (Action, State) {
        let late = t0 + s(1000)
        switch (start, event) {
        case (.idle, .hot): return (.nothing, .pending(since: now, latest: 90))
        case (.idle, .restoredCleared): return (.nothing, .cleared)
        case (.idle, .warm), (.idle, .cool), (.idle, .tickEarly), (.idle, .tickLate), (.idle, .acknowledged), (.idle, .resolvedByOperator):
            return (.nothing, .idle)

        case (.pending, .hot): return (.raise(trigger: 90, current: 90), open(at: now, current: 90))
        case (.pending, .warm), (.pending, .cool): return (.nothing, .idle)
        case (.pending, .tickEarly), (.pending, .acknowledged), (.pending, .resolvedByOperator), (.pending, .restoredCleared):
            return (.nothing, state)
        case (.pending, .tickLate): return (.raise(trigger: 85, current: 85), open(at: late, current: 85))

        case (.open, .hot): return (.updateCurrent(90), open(current: 90))
        case (.open, .warm): return (.updateCurrent(79), open(current: 79))
        case (.open, .cool): return (.resolve(current: 70), .idle)
        case (.open, .tickEarly): return (.nothing, state)
        case (.open, .tickLate): return (.escalate(level: 2), open(level: 2, at: late))
        case (.open, .acknowledged): return (.nothing, open(acknowledged: true))
        case (.open, .resolvedByOperator): return (.nothing, .cleared)
        case (.open, .restoredCleared): return (.nothing, state)

        case (.openAcknowledged, .hot): return (.updateCurrent(90), open(acknowledged: true, current: 90))
        case (.openAcknowledged, .warm): return (.updateCurrent(79), open(acknowledged: true, current: 79))
        case (.openAcknowledged, .cool): return (.resolve(current: 70), .idle)
        case (.openAcknowledged, .tickEarly), (.openAcknowledged, .tickLate), (.openAcknowledged, .acknowledged),
             (.openAcknowledged, .restoredCleared):
            return (.nothing, state)
        case (.openAcknowledged, .resolvedByOperator): return (.nothing, .cleared)

        case (.openAtMaxLevel, .hot): return (.updateCurrent(90), open(level: 3, current: 90))
        case (.openAtMaxLevel, .warm): return (.updateCurrent(79), open(level: 3, current: 79))
        case (.openAtMaxLevel, .cool): return (.resolve(current: 70), .idle)
        case (.openAtMaxLevel, .tickEarly), (.openAtMaxLevel, .tickLate), (.openAtMaxLevel, .restoredCleared):
            return (.nothing, state)
        case (.openAtMaxLevel, .acknowledged): return (.nothing, open(level: 3, acknowledged: true))
        case (.openAtMaxLevel, .resolvedByOperator): return (.nothing, .cleared)

        case (.openBackInside, .hot): return (.updateCurrent(90), open(current: 90))
        case (.openBackInside, .warm): return (.updateCurrent(79), open(current: 79))
        case (.openBackInside, .cool): return (.resolve(current: 70), .idle)
        case (.openBackInside, .tickEarly), (.openBackInside, .restoredCleared): return (.nothing, state)
        case (.openBackInside, .tickLate): return (.escalate(level: 2), open(level: 2, at: late, current: 75))
        case (.openBackInside, .acknowledged): return (.nothing, open(acknowledged: true, current: 75))
        // Resolved by an operator while the value is already back inside: nothing to wait for.
        case (.openBackInside, .resolvedByOperator): return (.nothing, .idle)

        case (.cleared, .cool): return (.backInside, .idle)
        case (.cleared, .hot), (.cleared, .warm), (.cleared, .tickEarly), (.cleared, .tickLate), (.cleared, .acknowledged),
             (.cleared, .resolvedByOperator), (.cleared, .restoredCleared):
            return (.nothing, .cleared)
        }
    }

    @Test(arguments: Start.allCases, Event.allCases)
    func transition(_ start: Start, _ event: Event) throws {
        var machine = try Self.starting(start)
        let before = machine.state
        let action = Self.apply(event, to: &machine)
        let (expectedAction, expectedState) = Self.expected(start, event, from: before)
        #expect(action == expectedAction)
        #expect(machine.state == expectedState)
    }

    /// Without `for_s` a violating reading raises at once; without auto-resolve an open alert only follows the value.
    @Test func immediateRaiseAndNoAutoResolve() throws {
        var immediate = AlertsTests.machine(try hot(forSeconds: 0))
        #expect(immediate.reading(90, at: Self.now) == .raise(trigger: 90, current: 90))
        var manual = AlertsTests.machine(try hot(forSeconds: 0, autoResolve: false))
        _ = manual.reading(90, at: Self.now)
        // A later reading (one at the same time is a repeat, not judged again).
        #expect(manual.reading(70, at: Self.now + 1) == .updateCurrent(70))
        #expect(manual.state == Self.open(at: Self.now, current: 70))
    }
}
