import Commands
import Testing
import WallTime

/// Every event in every status, table-driven, with a hand-driven clock (no I/O, no sleeping).
@Suite("CommandStateMachine: every event in every status")
struct CommandStateMachineTransitionTests {
    typealias Action = CommandStateMachine.Action

    static let t0 = WallInstant(seconds: 1_700_000_000)
    static let timeout = Duration.seconds(30)
    static let expiry = t0 + .seconds(1000)

    enum Start: String, CaseIterable, CustomStringConvertible {
        case pending, sent, sentLastTry, acknowledged, completed, failed, timeout
        var description: String { rawValue }
    }

    enum Event: String, CaseIterable, CustomStringConvertible {
        case dispatch, online, offline, ack, resultCompleted, resultFailed
        case timerEarly, timerDue, timerAfterExpiry, publishFailed, ackAfterExpiry
        var description: String { rawValue }
    }

    /// A machine with maxRetries 2 and timeout 30 s, sent at t0 and acknowledged at t0+5 where the status implies it.
    static func machine(_ start: Start, online: Bool) -> CommandStateMachine {
        let snapshot: CommandSnapshot = switch start {
        case .pending: CommandSnapshot(status: .pending)
        case .sent: CommandSnapshot(status: .sent, sentAt: t0)
        case .sentLastTry: CommandSnapshot(status: .sent, retryCount: 2, sentAt: t0)
        case .acknowledged: CommandSnapshot(status: .acknowledged, sentAt: t0, acknowledgedAt: t0 + .seconds(5))
        case .completed: CommandSnapshot(status: .completed, sentAt: t0, acknowledgedAt: t0, completedAt: t0 + .seconds(1))
        case .failed: CommandSnapshot(status: .failed, sentAt: t0, acknowledgedAt: t0, completedAt: t0 + .seconds(1), errorMessage: "x")
        case .timeout: CommandSnapshot(status: .timeout, sentAt: t0, completedAt: t0 + .seconds(90), errorMessage: "y")
        }
        return CommandStateMachine(snapshot: snapshot, timeout: timeout, maxRetries: 2, expiresAt: expiry, deviceOnline: online)
    }

    static func apply(_ event: Event, to machine: inout CommandStateMachine) -> Action {
        let now = t0 + .seconds(10)
        switch event {
        case .dispatch: return machine.dispatch(at: now)
        case .online: return machine.deviceCameOnline(at: now)
        case .offline: return machine.deviceWentOffline(at: now)
        case .ack: return machine.acknowledged(at: now)
        case .resultCompleted: return machine.resultReceived(succeeded: true, at: now)
        case .resultFailed: return machine.resultReceived(succeeded: false, error: "boom", at: now)
        case .timerEarly: return machine.timerFired(at: now)
        case .timerDue: return machine.timerFired(at: machine.deadline ?? t0 + timeout)
        case .timerAfterExpiry: return machine.timerFired(at: expiry)
        case .publishFailed: return machine.publishFailed(at: now)
        case .ackAfterExpiry: return machine.acknowledged(at: expiry + .seconds(1))
        }
    }

    struct Expectation {
        var action: Action
        var status: CommandStatus
        var retryCount: Int? = nil
    }

    static let expired = Expectation(action: .finish(.timedOut(error: "expired"), acknowledgedNow: false), status: .timeout)

    /// The whole table. `online`/`offline` differ only where presence matters.
    static func expected(_ start: Start, _ event: Event, online: Bool) -> Expectation {
        let now = t0 + .seconds(10)
        switch (start, event) {
        // pending
        case (.pending, .dispatch):
            return online ? Expectation(action: .send(attempt: 1, deadline: now + timeout), status: .sent, retryCount: 0)
                : Expectation(action: .scheduleTimeout(expiry), status: .pending)
        case (.pending, .online): return Expectation(action: .send(attempt: 1, deadline: now + timeout), status: .sent, retryCount: 0)
        case (.pending, .offline): return Expectation(action: .none, status: .pending)
        case (.pending, .ack): return Expectation(action: .acknowledge(deadline: now + timeout), status: .acknowledged)
        case (.pending, .resultCompleted): return Expectation(action: .finish(.completed, acknowledgedNow: true), status: .completed)
        case (.pending, .resultFailed): return Expectation(action: .finish(.failed(error: "boom"), acknowledgedNow: true), status: .failed)
        case (.pending, .timerEarly): return Expectation(action: .scheduleTimeout(expiry), status: .pending)
        case (.pending, .timerDue): return expired  // a pending command's only deadline is its expiry
        case (.pending, .publishFailed): return Expectation(action: .ignored(reason: "publish failure while pending"), status: .pending)

        // sent, with retries left and with none
        case (.sent, .dispatch), (.sentLastTry, .dispatch): return Expectation(action: .ignored(reason: "dispatch while sent"), status: .sent)
        case (.sent, .online), (.sent, .offline), (.sentLastTry, .online), (.sentLastTry, .offline):
            return Expectation(action: .none, status: .sent)
        case (.sent, .ack), (.sentLastTry, .ack): return Expectation(action: .acknowledge(deadline: now + timeout), status: .acknowledged)
        case (.sent, .resultCompleted), (.sentLastTry, .resultCompleted):
            return Expectation(action: .finish(.completed, acknowledgedNow: true), status: .completed)
        case (.sent, .resultFailed), (.sentLastTry, .resultFailed):
            return Expectation(action: .finish(.failed(error: "boom"), acknowledgedNow: true), status: .failed)
        case (.sent, .timerEarly), (.sentLastTry, .timerEarly): return Expectation(action: .scheduleTimeout(t0 + timeout), status: .sent)
        case (.sent, .timerDue):
            return online ? Expectation(action: .send(attempt: 2, deadline: t0 + timeout + timeout), status: .sent, retryCount: 1)
                : Expectation(action: .requeue, status: .pending, retryCount: 0)
        case (.sentLastTry, .timerDue):
            return online ? Expectation(action: .finish(.timedOut(error: "no acknowledgement after 3 sends"), acknowledgedNow: false), status: .timeout, retryCount: 2)
                : Expectation(action: .requeue, status: .pending, retryCount: 2)
        case (.sent, .publishFailed): return Expectation(action: .requeue, status: .pending, retryCount: 0)
        case (.sentLastTry, .publishFailed): return Expectation(action: .requeue, status: .pending, retryCount: 2)

        // acknowledged
        case (.acknowledged, .dispatch): return Expectation(action: .ignored(reason: "dispatch while acknowledged"), status: .acknowledged)
        case (.acknowledged, .online), (.acknowledged, .offline): return Expectation(action: .none, status: .acknowledged)
        case (.acknowledged, .ack): return Expectation(action: .ignored(reason: "duplicate acknowledgement"), status: .acknowledged)
        case (.acknowledged, .resultCompleted): return Expectation(action: .finish(.completed, acknowledgedNow: false), status: .completed)
        case (.acknowledged, .resultFailed): return Expectation(action: .finish(.failed(error: "boom"), acknowledgedNow: false), status: .failed)
        case (.acknowledged, .timerEarly): return Expectation(action: .scheduleTimeout(t0 + .seconds(35)), status: .acknowledged)
        case (.acknowledged, .timerDue):
            // Never re-sent once acknowledged, online or not.
            return Expectation(action: .finish(.timedOut(error: "no result within 30 s of the acknowledgement"), acknowledgedNow: false), status: .timeout)
        case (.acknowledged, .publishFailed): return Expectation(action: .ignored(reason: "publish failure while acknowledged"), status: .acknowledged)

        // every unfinished status expires the same way
        case (.pending, .timerAfterExpiry), (.sent, .timerAfterExpiry), (.sentLastTry, .timerAfterExpiry), (.acknowledged, .timerAfterExpiry),
             (.pending, .ackAfterExpiry), (.sent, .ackAfterExpiry), (.sentLastTry, .ackAfterExpiry), (.acknowledged, .ackAfterExpiry):
            return expired

        // terminal statuses: nothing changes, late events are reported
        case (.completed, let event), (.failed, let event), (.timeout, let event):
            let status: CommandStatus = start == .completed ? .completed : start == .failed ? .failed : .timeout
            let reason: String? = switch event {
            case .dispatch: "dispatch while \(status)"
            case .online, .offline: nil
            case .ack, .ackAfterExpiry: "acknowledgement after \(status)"
            case .resultCompleted, .resultFailed: "result after \(status)"
            case .timerEarly, .timerDue, .timerAfterExpiry: "timer after \(status)"
            case .publishFailed: "publish failure while \(status)"
            }
            return Expectation(action: reason.map { .ignored(reason: $0) } ?? .none, status: status)
        }
    }

    @Test(arguments: Start.allCases, Event.allCases)
    func everyEventInEveryStatus(start: Start, event: Event) {
        for online in [true, false] {
            var machine = Self.machine(start, online: online)
            let before = machine
            let action = Self.apply(event, to: &machine)
            let expectation = Self.expected(start, event, online: online)
            #expect(action == expectation.action, "\(start) + \(event), online \(online)")
            #expect(machine.status == expectation.status, "\(start) + \(event), online \(online)")
            if let retryCount = expectation.retryCount {
                #expect(machine.retryCount == retryCount, "\(start) + \(event), online \(online)")
            }
            if case .ignored = action {
                // An ignored event changes nothing at all.
                #expect(machine.snapshot == before.snapshot, "\(start) + \(event)")
            }
            if before.status.isTerminal {
                #expect(machine.snapshot == before.snapshot, "terminal \(start) changed on \(event)")
            }
            if machine.status.isTerminal && !before.status.isTerminal {
                #expect(machine.snapshot.completedAt != nil)
                #expect(machine.deadline == nil)
            }
        }
    }
}
