import Commands
import Foundation
import Testing
import WallTime

/// Back-off, reconnecting, dropping a poisoned input and stopping without the database.
@Suite("CommandLoopMachine: failures")
struct CommandLoopMachineFailureTests {
    typealias Action = CommandLoopMachine<WallInstant>.Action
    static let ackX = CommandEvent.acknowledged(commandID: commandX, deviceID: nil)
    static let ackY = CommandEvent.acknowledged(commandID: commandY, deviceID: nil)

    /// Each `(failure, retry delay)` in turn: 500 ms doubling to 10 s, back to 500 ms after a cycle that succeeds.
    @Test func retryDelayDoublesToTenSecondsAndResetsOnSuccess() {
        var script = CommandLoopScript()
        script.failure = { _ in "database down" }
        var delays: [Duration] = []
        for _ in 0..<7 {
            let actions = script.work([.pendingNotified])
            guard case .backOff(let delay, "database down") = actions.last else {
                Issue.record("no back-off: \(actions)")
                return
            }
            delays.append(delay)
            script.now = script.now + delay
        }
        #expect(delays == [.milliseconds(500), .seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(10), .seconds(10)])
        script.failure = { _ in nil }
        #expect(script.work() == [.reconnect, claimAll])
        #expect(script.machine.retryDelay == .milliseconds(500))
    }

    /// Nothing is tried before the back-off ends; inputs keep arriving, and the wait ends with the back-off.
    @Test func waitsOutTheBackOffKeepingInputsInOrder() {
        var script = CommandLoopScript()
        script.failure = { $0 == .apply([Self.ackX]) ? "refused" : nil }
        #expect(script.work([ack(commandX)]) == [.apply([Self.ackX]), .backOff(retryIn: .milliseconds(500), error: "refused")])
        script.failure = { _ in nil }
        script.now = CommandLoopScript.t0 + .milliseconds(100)
        #expect(script.cycle([ack(commandY)]) == [.wait(until: CommandLoopScript.t0 + .milliseconds(300))])
        script.now = CommandLoopScript.t0 + .milliseconds(400)
        #expect(script.cycle() == [.wait(until: CommandLoopScript.t0 + .milliseconds(500))])
        script.now = CommandLoopScript.t0 + .milliseconds(500)
        #expect(script.work() == [.reconnect, .apply([Self.ackX, Self.ackY]), claimAll])
    }

    /// The first connection is opened again (not reconnected) until it works; a lost one is reconnected, which asks for a claim.
    @Test func connectsUntilItWorksThenReconnectsAfterFailures() {
        var script = CommandLoopScript(connected: false)
        script.failure = { $0 == .connect ? "no server" : nil }
        #expect(script.work() == [.connect, .backOff(retryIn: .milliseconds(500), error: "no server")])
        script.now = script.now + .seconds(1)
        #expect(script.work() == [.connect, .backOff(retryIn: .seconds(1), error: "no server")])
        script.now = script.now + .seconds(1)
        script.failure = { _ in nil }
        #expect(script.work() == [.connect, claimAll])
        script.failure = { $0 == claimAll ? "connection lost" : nil }
        #expect(script.work([.pendingNotified]) == [claimAll, .backOff(retryIn: .milliseconds(500), error: "connection lost")])
        script.now = script.now + .seconds(1)
        script.failure = { $0 == .reconnect ? "still down" : nil }
        #expect(script.work() == [.reconnect, .backOff(retryIn: .seconds(1), error: "still down")])
        script.now = script.now + .seconds(1)
        script.failure = { _ in nil }
        #expect(script.work() == [.reconnect, claimAll])
    }

    /// An input the database refuses five times in a row is dropped (with a log line) so later inputs go through.
    @Test func dropsAnInputThatFailsFiveTimesInARow() {
        var script = CommandLoopScript()
        script.failure = { if case .handleOperatorCommand = $0 { "invalid input syntax" } else { nil } }
        var actions: [[Action]] = []
        for index in 0..<5 {
            actions.append(script.work(index == 0 ? [operatorCommand, ack(commandX)] : []))
            script.now = script.now + .seconds(20)
        }
        let attempt: Action = .handleOperatorCommand(operatorKey: "op", payload: Array("{}".utf8))
        for round in actions.prefix(4) {
            #expect(round.count == (round.first == .reconnect ? 3 : 2))
            #expect(round.contains(attempt) && !round.contains { if case .drop = $0 { true } else { false } })
        }
        #expect(actions[4] == [.reconnect, attempt, .drop(operatorCommand, error: "invalid input syntax"),
                               .backOff(retryIn: .seconds(8), error: "invalid input syntax")])
        #expect(script.machine.backlog == [ack(commandX)])
        #expect(script.work() == [.reconnect, .apply([Self.ackX]), claimAll])
    }

    /// Progress resets the count: a failure after some inputs went through is the new head's first.
    @Test func progressResetsTheHeadFailureCount() {
        var script = CommandLoopScript()
        var failOperator = true
        script.failure = { action in
            if case .handleOperatorCommand = action, failOperator { return "refused" }
            if action == .apply([Self.ackY]) { return "refused" }
            return nil
        }
        for _ in 0..<4 {
            _ = script.work(script.machine.backlog.isEmpty ? [operatorCommand, ack(commandY)] : [])
            script.now = script.now + .seconds(20)
        }
        failOperator = false
        // The operator command goes through; the ack behind it fails for the first time, not the fifth.
        let round = script.work()
        #expect(round.last == .backOff(retryIn: .seconds(8), error: "refused"))
        #expect(!round.contains { if case .drop = $0 { true } else { false } })
        #expect(script.machine.backlog == [ack(commandY)])
    }

    @Test func abandonsWhenTheWorkFailsAfterTheMailboxCloses() {
        var script = CommandLoopScript()
        script.failure = { _ in "down" }
        #expect(script.cycle([ack(commandX), operatorCommand], closed: true) == [
            .apply([Self.ackX]), .backOff(retryIn: .milliseconds(500), error: "down"), .abandon(unapplied: 2),
        ])
    }

    @Test func abandonsAtOnceWhenTheMailboxClosesDuringABackOff() {
        var script = CommandLoopScript()
        script.failure = { _ in "down" }
        _ = script.work([ack(commandX)])
        script.failure = { _ in nil }
        #expect(script.cycle([operatorCommand], closed: true) == [.abandon(unapplied: 2)])
    }

    @Test func aFailedSweepIsRetriedAndStillAsksForAClaim() {
        var script = CommandLoopScript(poll: .seconds(30))
        script.now = CommandLoopScript.t0 + .seconds(30)
        script.failure = { $0 == .sweep ? "timeout" : nil }
        #expect(script.work() == [.sweep, .backOff(retryIn: .milliseconds(500), error: "timeout")])
        script.now = script.now + .seconds(1)
        script.failure = { _ in nil }
        #expect(script.work() == [.reconnect, .sweep, claimAll])
    }

    /// A poll or a timer that fell due during an outage does not make the back-off's waits zero
    /// (the command thread would spin until the database is back).
    @Test func aDuePollOrTimerDoesNotShortenTheBackOffWaits() {
        var script = CommandLoopScript(poll: .seconds(30))
        let failedAt = CommandLoopScript.t0 + .seconds(30)
        script.now = failedAt
        script.timerDeadline = failedAt
        script.failure = { $0 == .sweep ? "timeout" : nil }
        #expect(script.work() == [.sweep, .backOff(retryIn: .milliseconds(500), error: "timeout")])
        script.now = failedAt + .milliseconds(100)
        #expect(script.cycle() == [.wait(until: failedAt + .milliseconds(300))])
        script.now = failedAt + .milliseconds(400)
        #expect(script.cycle() == [.wait(until: failedAt + .milliseconds(500))])
    }
}
