import Presence
import Testing

/// Every event in every state, against a table of expected outcomes.
@Suite("PresenceMachine: every event in every state")
struct PresenceMachineEventTableTests {
    enum State: CaseIterable, Sendable {
        case offline
        case offlineWithOpenAlert
        case online
        case onlineExpectingStaleWill
        case onlineOverdue
    }

    enum Event: CaseIterable, Sendable {
        case message, heartbeat, online, onlineRetained, offline, offlineRetained, sweepAt90, sweepAt100
    }

    enum Outcome: Equatable, CustomStringConvertible {
        case nothing
        case online(resolves: Bool)
        case offline(OfflineReason, raises: Bool)
        case overdueThenOnline
        case overdueThenOffline
        case overtaken

        var description: String { "\(self)" }
    }

    /// The state at `now` = t(100): online devices were last seen at t(50) (deadline t(140)), except `onlineOverdue` (t(0), deadline t(90)).
    static func machine(in state: State) -> (PresenceMachine, PresenceDevice) {
        var machine = makeMachine()
        let d: PresenceDevice
        switch state {
        case .offline:
            d = machine.restoreQuietly(RestoredPresence(isOnline: false))
        case .offlineWithOpenAlert:
            d = machine.restoreQuietly(RestoredPresence(isOnline: false, hasOpenOfflineAlert: true))
        case .online:
            d = machine.onlineDevice(at: t(50))
        case .onlineExpectingStaleWill:
            d = machine.onlineDevice(at: t(40))
            _ = machine.statusOnline(d, at: t(50))
        case .onlineOverdue:
            d = machine.onlineDevice(at: t(0))
        }
        return (machine, d)
    }

    static func expected(_ state: State, _ event: Event) -> Outcome {
        switch (state, event) {
        case (.offline, .message), (.offline, .heartbeat), (.offline, .online): .online(resolves: false)
        case (.offlineWithOpenAlert, .message), (.offlineWithOpenAlert, .heartbeat), (.offlineWithOpenAlert, .online):
            .online(resolves: true)
        case (.offline, _), (.offlineWithOpenAlert, _): .nothing
        case (.online, .offline), (.online, .offlineRetained), (.onlineExpectingStaleWill, .offlineRetained):
            .offline(.will, raises: true)
        case (.onlineExpectingStaleWill, .offline): .overtaken
        case (.online, _), (.onlineExpectingStaleWill, _): .nothing
        case (.onlineOverdue, .message), (.onlineOverdue, .heartbeat), (.onlineOverdue, .online): .overdueThenOnline
        case (.onlineOverdue, .offline), (.onlineOverdue, .offlineRetained), (.onlineOverdue, .sweepAt100):
            .overdueThenOffline
        // A retained birth is ignored outright; the next sweep dates the silence the same way.
        case (.onlineOverdue, .onlineRetained): .nothing
        case (.onlineOverdue, .sweepAt90): .nothing
        }
    }

    static func outcome(of actions: [PresenceAction], _ d: PresenceDevice) -> Outcome {
        let overdue: [PresenceAction] = [
            .markOffline(d, at: t(90), reason: .silence), .raiseOfflineAlert(d, at: t(90), reason: .silence),
        ]
        switch actions {
        case []: return .nothing
        case [.markOnline(d, at: t(100))]: return .online(resolves: false)
        case [.markOnline(d, at: t(100)), .resolveOfflineAlert(d, at: t(100))]: return .online(resolves: true)
        case [.markOffline(d, at: t(100), reason: .will), .raiseOfflineAlert(d, at: t(100), reason: .will)]:
            return .offline(.will, raises: true)
        case [.willOvertaken(d, at: t(100))]: return .overtaken
        case overdue + [.markOnline(d, at: t(100)), .resolveOfflineAlert(d, at: t(100))]: return .overdueThenOnline
        case overdue: return .overdueThenOffline
        default:
            Issue.record("unexpected actions \(actions)")
            return .nothing
        }
    }

    @Test(arguments: State.allCases, Event.allCases)
    func eventInState(_ state: State, _ event: Event) {
        var (machine, d) = Self.machine(in: state)
        let actions: [PresenceAction]
        switch event {
        case .message: actions = machine.messageSeen(d, at: t(100))
        case .heartbeat: actions = machine.heartbeat(d, at: t(100))
        case .online: actions = machine.statusOnline(d, at: t(100))
        case .onlineRetained: actions = machine.statusOnline(d, at: t(100), retained: true)
        case .offline: actions = machine.statusOffline(d, at: t(100))
        case .offlineRetained: actions = machine.statusOffline(d, at: t(100), retained: true)
        case .sweepAt90: actions = machine.sweep(now: t(90))
        case .sweepAt100: actions = machine.sweep(now: t(100))
        }
        let expected = Self.expected(state, event)
        #expect(Self.outcome(of: actions, d) == expected, "\(state) + \(event)")
        // Invariants after any event: an online device has a deadline, an offline one has none;
        // an offline device reached by a transition has an open alert, an online one never does.
        switch machine.status(of: d) {
        case .online:
            #expect(machine.offlineDeadline(of: d) != nil)
            #expect(!machine.hasOpenAlert(d))
        case .offline:
            #expect(machine.offlineDeadline(of: d) == nil)
            if state != .offline { #expect(machine.hasOpenAlert(d)) }
        }
    }
}
