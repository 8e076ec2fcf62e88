import Alerts
import Testing
import WallTime

/// The alert thread's clock work: tick, current-value flush, reconnect back-off, the wait between.
@Suite("AlertLoopTiming: schedule")
struct AlertLoopTimingScheduleTests {
    typealias Timing = AlertLoopTiming<WallInstant>
    static let t0 = WallInstant(seconds: 1_700_000_000)

    /// Asks `tickDue` at each offset from `t0` in turn; the answers.
    static func ticks(_ timing: inout Timing, at offsets: [Duration]) -> [Bool] {
        offsets.map { timing.tickDue(now: t0 + $0) }
    }

    @Test func waitsUntilTheFirstTickThenTicksEveryQuarterSecond() {
        var timing = Timing(now: Self.t0)
        #expect(timing.wait(now: Self.t0) == .milliseconds(250))
        let answers = Self.ticks(&timing, at: [.milliseconds(249), .milliseconds(260), .milliseconds(500)])
        // Re-armed from the instant it was asked at, not from the missed deadline.
        #expect(answers == [false, true, false])
        #expect(timing.nextTick == Self.t0 + .milliseconds(510))
        #expect(timing.wait(now: Self.t0 + .milliseconds(500)) == .milliseconds(10))
    }

    @Test func flushesEverySecondAndOnceMoreWhenClosed() {
        var timing = Timing(now: Self.t0)
        let answers = [
            timing.flushDue(now: Self.t0 + .milliseconds(999), closed: false),
            timing.flushDue(now: Self.t0 + .seconds(1), closed: false),
            timing.flushDue(now: Self.t0 + .milliseconds(1_500), closed: false),
            timing.flushDue(now: Self.t0 + .milliseconds(1_500), closed: true),
        ]
        #expect(answers == [false, true, false, true])
        #expect(timing.nextFlush == Self.t0 + .milliseconds(2_500))
    }

    /// The wait ends at whichever comes first, and never goes negative when both are overdue.
    @Test func theWaitEndsAtTheEarlierDeadlineAndIsNeverNegative() {
        var timing = Timing(now: Self.t0)
        let answers = Self.ticks(&timing, at: [.milliseconds(250), .milliseconds(500), .milliseconds(750)])
        #expect(answers == [true, true, true])
        #expect(timing.wait(now: Self.t0 + .milliseconds(750)) == .milliseconds(250))
        #expect(timing.wait(now: Self.t0 + .seconds(5)) == .zero)
    }

    /// Connect at once; after each failure only when the back-off (500 ms doubling to 10 s) has
    /// passed; a success starts the back-off over.
    @Test func reconnectsAfterABackOffThatDoublesToTenSeconds() {
        var timing = Timing(now: Self.t0)
        #expect(timing.connectDue(now: Self.t0))
        var now = Self.t0
        var delays: [Duration] = []
        for _ in 0..<7 {
            let delay = timing.failed(now: now)
            delays.append(delay)
            #expect(!timing.connectDue(now: now + delay - .milliseconds(1)))
            now = now + delay
            #expect(timing.connectDue(now: now))
        }
        #expect(delays == [.milliseconds(500), .seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(10), .seconds(10)])
        timing.connected()
        #expect(timing.isConnected)
        #expect(!timing.connectDue(now: now + .seconds(60)))
        let afterSuccess = timing.failed(now: now)
        #expect(afterSuccess == .milliseconds(500))
        #expect(!timing.isConnected)
    }

    /// Reconnecting is not a timer of its own: the loop notices it at the next tick or flush.
    @Test func theBackOffDoesNotShortenTheWait() {
        var timing = Timing(now: Self.t0)
        timing.failed(now: Self.t0)
        #expect(timing.wait(now: Self.t0) == .milliseconds(250))
    }
}
