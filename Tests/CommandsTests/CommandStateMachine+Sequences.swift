import Commands
import Testing
import WallTime

/// Whole lifecycles driven by a hand-advanced clock.
@Suite("CommandStateMachine: lifecycles")
struct CommandStateMachineSequenceTests {
    let t0 = WallInstant(seconds: 1_700_000_000)

    func machine(maxRetries: Int = 2, online: Bool = true, ttl: Duration = .seconds(86_400)) -> CommandStateMachine {
        CommandStateMachine(timeout: .seconds(30), maxRetries: maxRetries, expiresAt: t0 + ttl, deviceOnline: online)
    }

    @Test func unacknowledgedCommandIsSentOnePlusMaxRetriesTimesThenTimesOut() {
        var m = machine(maxRetries: 2)
        #expect(m.dispatch(at: t0) == .send(attempt: 1, deadline: t0 + .seconds(30)))
        #expect(m.timerFired(at: t0 + .seconds(30)) == .send(attempt: 2, deadline: t0 + .seconds(60)))
        #expect(m.retryCount == 1)
        #expect(m.snapshot.sentAt == t0 + .seconds(30))
        #expect(m.timerFired(at: t0 + .seconds(60)) == .send(attempt: 3, deadline: t0 + .seconds(90)))
        #expect(m.timerFired(at: t0 + .seconds(90)) == .finish(.timedOut(error: "no acknowledgement after 3 sends"), acknowledgedNow: false))
        #expect(m.snapshot == CommandSnapshot(
            status: .timeout, retryCount: 2, sentAt: t0 + .seconds(60), completedAt: t0 + .seconds(90),
            errorMessage: "no acknowledgement after 3 sends"
        ))
    }

    @Test func zeroRetriesMeansOneSend() {
        var m = machine(maxRetries: 0)
        #expect(m.dispatch(at: t0) == .send(attempt: 1, deadline: t0 + .seconds(30)))
        #expect(m.timerFired(at: t0 + .seconds(30)) == .finish(.timedOut(error: "no acknowledgement after 1 send"), acknowledgedNow: false))
    }

    @Test func acknowledgedThenCompleted() {
        var m = machine()
        _ = m.dispatch(at: t0)
        #expect(m.acknowledged(at: t0 + .seconds(2)) == .acknowledge(deadline: t0 + .seconds(32)))
        #expect(m.timerFired(at: t0 + .seconds(30)) == .scheduleTimeout(t0 + .seconds(32)))  // the old send timer, stale
        #expect(m.resultReceived(succeeded: true, at: t0 + .seconds(5)) == .finish(.completed, acknowledgedNow: false))
        #expect(m.snapshot == CommandSnapshot(
            status: .completed, sentAt: t0, acknowledgedAt: t0 + .seconds(2), completedAt: t0 + .seconds(5)
        ))
        #expect(m.acknowledged(at: t0 + .seconds(6)) == .ignored(reason: "acknowledgement after completed"))
        #expect(m.resultReceived(succeeded: false, error: "late", at: t0 + .seconds(7)) == .ignored(reason: "result after completed"))
    }

    @Test func acknowledgedCommandTimesOutAndIsNeverResent() {
        var m = machine(maxRetries: 5)
        _ = m.dispatch(at: t0)
        _ = m.acknowledged(at: t0 + .seconds(1))
        #expect(m.timerFired(at: t0 + .seconds(31)) == .finish(.timedOut(error: "no result within 30 s of the acknowledgement"), acknowledgedNow: false))
        #expect(m.retryCount == 0)
    }

    @Test func resultWithoutAckCountsAsBoth() {
        var m = machine()
        _ = m.dispatch(at: t0)
        #expect(m.resultReceived(succeeded: false, error: "no disk", at: t0 + .seconds(3)) == .finish(.failed(error: "no disk"), acknowledgedNow: true))
        #expect(m.snapshot.acknowledgedAt == t0 + .seconds(3))
        #expect(m.snapshot.errorMessage == "no disk")
    }

    @Test func offlineDeviceWaitsWithoutSpendingRetries() {
        var m = machine(maxRetries: 1, online: false)
        #expect(m.dispatch(at: t0) == .scheduleTimeout(t0 + .seconds(86_400)))
        #expect(m.status == .pending)
        #expect(m.deviceCameOnline(at: t0 + .seconds(600)) == .send(attempt: 1, deadline: t0 + .seconds(630)))
        // Goes offline before the ack; the ack timer expires while offline: back to pending, no retry spent.
        #expect(m.deviceWentOffline(at: t0 + .seconds(610)) == .none)
        #expect(m.timerFired(at: t0 + .seconds(630)) == .requeue)
        #expect(m.snapshot.status == .pending && m.retryCount == 0)
        // Back online: the same attempt again.
        #expect(m.deviceCameOnline(at: t0 + .seconds(900)) == .send(attempt: 1, deadline: t0 + .seconds(930)))
        #expect(m.timerFired(at: t0 + .seconds(930)) == .send(attempt: 2, deadline: t0 + .seconds(960)))
        #expect(m.timerFired(at: t0 + .seconds(960)) == .finish(.timedOut(error: "no acknowledgement after 2 sends"), acknowledgedNow: false))
    }

    @Test func lateAckOfARequeuedCommandIsAccepted() {
        var m = machine()
        _ = m.dispatch(at: t0)
        _ = m.deviceWentOffline(at: t0 + .seconds(1))
        #expect(m.timerFired(at: t0 + .seconds(30)) == .requeue)
        #expect(m.acknowledged(at: t0 + .seconds(40)) == .acknowledge(deadline: t0 + .seconds(70)))
    }

    @Test func expiryWinsOverEverythingAndCapsTheTimer() {
        var m = machine(ttl: .seconds(45))
        #expect(m.dispatch(at: t0) == .send(attempt: 1, deadline: t0 + .seconds(30)))
        #expect(m.timerFired(at: t0 + .seconds(30)) == .send(attempt: 2, deadline: t0 + .seconds(45)))
        #expect(m.timerFired(at: t0 + .seconds(45)) == .finish(.timedOut(error: "expired"), acknowledgedNow: false))
        #expect(m.snapshot.errorMessage == "expired")
    }

    @Test func pendingPastItsTTLExpiresOnDispatch() {
        var m = machine(ttl: .seconds(10))
        #expect(m.dispatch(at: t0 + .seconds(10)) == .finish(.timedOut(error: "expired"), acknowledgedNow: false))
    }

    @Test func rebuiltFromARowTheTimerKeepsItsRemainingTime() {
        // Sent 20 s before a restart with a 30 s timeout: fires 10 s after it, not 30.
        let restored = CommandStateMachine(
            snapshot: CommandSnapshot(status: .sent, retryCount: 1, sentAt: t0), timeout: .seconds(30), maxRetries: 3,
            expiresAt: t0 + .seconds(3600), deviceOnline: true
        )
        #expect(restored.deadline == t0 + .seconds(30))
        var m = restored
        #expect(m.timerFired(at: t0 + .seconds(20)) == .scheduleTimeout(t0 + .seconds(30)))
        #expect(m.acknowledged(at: t0 + .seconds(25)) == .acknowledge(deadline: t0 + .seconds(55)))
        #expect(m.resultReceived(succeeded: true, at: t0 + .seconds(26)) == .finish(.completed, acknowledgedNow: false))
    }

    /// Random event sequences (seeded): the invariants hold whatever the order.
    @Test(arguments: 0..<200)
    func invariantsUnderRandomEvents(seed: Int) {
        var random = SplitMix(seed: UInt64(seed))
        let maxRetries = Int(random.next() % 4)
        var m = machine(maxRetries: maxRetries, online: random.next() % 2 == 0, ttl: .seconds(Int64(60 + random.next() % 600)))
        var now = t0
        var sendsWhileOnlineSinceRequeue = 0
        var maxAttempt = 0
        var terminal: CommandSnapshot?
        for _ in 0..<60 {
            now = now + .seconds(Int64(random.next() % 25))
            let action: CommandStateMachine.Action = switch random.next() % 8 {
            case 0: m.dispatch(at: now)
            case 1: m.deviceCameOnline(at: now)
            case 2: m.deviceWentOffline(at: now)
            case 3: m.acknowledged(at: now)
            case 4: m.resultReceived(succeeded: random.next() % 2 == 0, error: "e", at: now)
            case 5: m.publishFailed(at: now)
            default: m.timerFired(at: max(now, m.deadline ?? now))
            }
            if let terminal { #expect(m.snapshot == terminal) }
            if case .send(let attempt, let deadline) = action {
                sendsWhileOnlineSinceRequeue += 1
                maxAttempt = max(maxAttempt, attempt)
                #expect(attempt == m.retryCount + 1)
                #expect(deadline <= m.expiresAt)
            }
            #expect(m.retryCount <= maxRetries)
            #expect(maxAttempt <= maxRetries + 1)
            if m.status.isTerminal, terminal == nil { terminal = m.snapshot }
            if m.status == .acknowledged, case .send = action { Issue.record("sent while acknowledged") }
        }
        _ = sendsWhileOnlineSinceRequeue
    }
}

/// A tiny deterministic PRNG for reproducible random tests.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
