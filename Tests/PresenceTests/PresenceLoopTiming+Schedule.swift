import Presence
import Testing
import WallTime

/// The presence thread's clock work: sweep, periodic and prompt flush, the retried load, the wait between.
@Suite("PresenceLoopTiming: schedule")
struct PresenceLoopTimingScheduleTests {
    typealias Timing = PresenceLoopTiming<WallInstant>
    static let t0 = WallInstant(seconds: 1_700_000_000)

    @Test func aFailedLoadWaitsHalfASecondDoublingToTenSeconds() {
        var timing = Timing(sweepInterval: .seconds(1), now: Self.t0)
        let delays = (0..<7).map { _ in timing.loadFailed() }
        #expect(delays == [.milliseconds(500), .seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(10), .seconds(10)])
    }

    /// The sweep and flush are counted from the instant presence was loaded, not from construction.
    @Test func loadingArmsTheSweepAndTheFlush() {
        var timing = Timing(sweepInterval: .milliseconds(500), now: Self.t0)
        let loaded = Self.t0 + .seconds(30)
        timing.loaded(now: loaded)
        #expect(!timing.sweepDue(now: loaded + .milliseconds(499)))
        #expect(timing.sweepDue(now: loaded + .milliseconds(500)))
        #expect(!timing.flushDue(now: loaded + .milliseconds(1_999)))
        #expect(timing.flushDue(now: loaded + .seconds(2)))
        #expect(timing.wait(now: loaded) == .milliseconds(500))
    }

    /// The next sweep counts from when the last one ended.
    @Test func sweepsEveryIntervalFromTheEndOfTheLast() {
        var timing = Timing(sweepInterval: .seconds(1), now: Self.t0)
        #expect(timing.sweepDue(now: Self.t0 + .seconds(1)))
        timing.swept(now: Self.t0 + .milliseconds(1_300))
        #expect(!timing.sweepDue(now: Self.t0 + .milliseconds(2_299)))
        #expect(timing.sweepDue(now: Self.t0 + .milliseconds(2_300)))
    }

    /// Every 2 s; a status change brings the flush to within 250 ms, but never later than planned.
    @Test func aTransitionBringsTheFlushForward() {
        var timing = Timing(sweepInterval: .seconds(60), now: Self.t0)
        timing.transitioned(now: Self.t0 + .milliseconds(100))
        #expect(timing.nextFlush == Self.t0 + .milliseconds(350))
        #expect(timing.wait(now: Self.t0 + .milliseconds(100)) == .milliseconds(250))
        #expect(timing.flushDue(now: Self.t0 + .milliseconds(350)))
        timing.flushed(now: Self.t0 + .milliseconds(400))
        #expect(timing.nextFlush == Self.t0 + .milliseconds(2_400))
        timing.transitioned(now: Self.t0 + .milliseconds(2_300))
        #expect(timing.nextFlush == Self.t0 + .milliseconds(2_400))
    }

    @Test func theWaitEndsAtTheEarlierDeadlineAndIsNeverNegative() {
        let timing = Timing(sweepInterval: .seconds(5), now: Self.t0)
        #expect(timing.wait(now: Self.t0) == .seconds(2))
        #expect(timing.wait(now: Self.t0 + .seconds(3)) == .zero)
        let fast = Timing(sweepInterval: .milliseconds(100), now: Self.t0)
        #expect(fast.wait(now: Self.t0) == .milliseconds(100))
    }
}
