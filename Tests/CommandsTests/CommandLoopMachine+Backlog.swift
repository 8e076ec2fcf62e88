import Commands
import Foundation
import Testing
import WallTime

/// Which inputs go together, in what order, and what a presence change means for waiting commands.
@Suite("CommandLoopMachine: the backlog")
struct CommandLoopMachineBacklogTests {
    @Test func startsWithAShortWaitThenConnectsAndClaims() {
        var machine = CommandLoopMachine(pollInterval: .seconds(30), now: CommandLoopScript.t0)
        #expect(machine.start(now: CommandLoopScript.t0) == .wait(until: CommandLoopScript.t0 + .milliseconds(200)))
        var script = CommandLoopScript(connected: false)
        #expect(script.cycle() == [.connect, claimAll, .wait(until: CommandLoopScript.t0 + .milliseconds(200))])
        #expect(script.work() == [])
    }

    @Test func batchesDeviceEventsAndPresenceAndHandlesOperatorCommandsAlone() {
        var script = CommandLoopScript()
        let actions = script.work([
            ack(commandX), online(deviceA), offline(deviceB), ack(commandY), operatorCommand, .pendingNotified, ack(commandX),
        ])
        #expect(actions == [
            .apply([.acknowledged(commandID: commandX, deviceID: nil), .deviceOnline(deviceA), .deviceOffline(deviceB),
                    .acknowledged(commandID: commandY, deviceID: nil)]),
            .handleOperatorCommand(operatorKey: "op", payload: Array("{}".utf8)),
            .apply([.acknowledged(commandID: commandX, deviceID: nil)]),
            claimFor(deviceA),
            claimAll,
        ])
        #expect(script.machine.backlog.isEmpty)
    }

    /// A device that came online is claimed for at once, before the claim over `devices.status`.
    @Test func claimsForDevicesThatCameOnlineFirst() {
        var script = CommandLoopScript()
        #expect(script.work([online(deviceA, deviceB), .pendingNotified]) == [
            .apply([.deviceOnline(deviceA), .deviceOnline(deviceB)]), claimFor(deviceA, deviceB), claimAll,
        ])
        #expect(script.machine.cameOnline.isEmpty && !script.machine.claimWanted)
    }

    /// Online then offline within one batch: nothing to claim for it.
    @Test func offlineAfterOnlineCancelsTheClaim() {
        var script = CommandLoopScript()
        #expect(script.work([online(deviceA), offline(deviceA)]) == [.apply([.deviceOnline(deviceA), .deviceOffline(deviceA)])])
    }

    @Test func notificationsOnlyAskForAClaim() {
        var script = CommandLoopScript()
        #expect(script.work([.pendingNotified, .pendingNotified]) == [claimAll])
        #expect(script.work() == [])
    }

    @Test func aFullClaimPageAsksForAnother() {
        var script = CommandLoopScript()
        var pages = [100, 100, 7]
        script.sends = { _ in pages.removeFirst() }
        #expect(script.work([.pendingNotified]) == [claimAll, claimAll, claimAll])
        pages = [100, 0, 3]
        #expect(script.work([online(deviceA), .pendingNotified]) == [.apply([.deviceOnline(deviceA)]), claimFor(deviceA), claimFor(deviceA), claimAll])
    }

    /// Nothing is claimed while the broker is unreachable; what was wanted waits, and a broker that
    /// comes back asks for a claim by itself.
    @Test func claimsOnlyWithTheBrokerAndAgainAfterItReconnects() {
        var script = CommandLoopScript()
        #expect(script.work([online(deviceA), .pendingNotified], broker: false) == [.apply([.deviceOnline(deviceA)])])
        #expect(script.work(broker: false) == [])
        #expect(script.work() == [claimFor(deviceA), claimAll])
        #expect(script.work() == [])
        _ = script.work(broker: false)
        #expect(script.work() == [claimAll])
    }

    @Test func sweepsEveryPollIntervalAndClaimsAfter() {
        var script = CommandLoopScript(poll: .seconds(30))
        script.now = CommandLoopScript.t0 + .seconds(29)
        #expect(script.work() == [])
        script.now = CommandLoopScript.t0 + .seconds(30)
        #expect(script.work() == [.sweep, claimAll])
        #expect(script.machine.nextPoll == CommandLoopScript.t0 + .seconds(60))
        script.now = CommandLoopScript.t0 + .seconds(31)
        #expect(script.work() == [])
    }

    @Test func firesTimersThatAreDueAndWaitsNoLongerThanTheNext() {
        var script = CommandLoopScript()
        let now = script.now
        script.timerDeadline = now + .milliseconds(50)
        #expect(script.cycle([ack(commandX)]) == [
            .apply([.acknowledged(commandID: commandX, deviceID: nil)]), .wait(until: now + .milliseconds(50)),
        ])
        script.now = now + .milliseconds(50)
        #expect(script.machine.took([], closed: false, brokerConnected: true, now: script.now) == .fireDueTimers)
        #expect(script.machine.done(now: script.now, timerDeadline: script.now + .seconds(5)) == .wait(until: script.now + .milliseconds(200)))
    }

    @Test func waitsUntilThePollWhenThatComesFirst() {
        var script = CommandLoopScript(poll: .seconds(30))
        script.now = CommandLoopScript.t0 + .seconds(29.9)
        #expect(script.cycle().last == .wait(until: CommandLoopScript.t0 + .seconds(30)))
    }

    @Test func stopsOnceTheBacklogIsAppliedAfterTheMailboxCloses() {
        var script = CommandLoopScript()
        #expect(script.cycle([ack(commandX), .pendingNotified], closed: true) == [
            .apply([.acknowledged(commandID: commandX, deviceID: nil)]), .stop,
        ])
    }
}
