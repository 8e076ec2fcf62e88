/// When the alert thread does what, as a value: the rule tick, the `current_value` write, the
/// reconnect after a database failure, and how long to wait for inputs meanwhile.
///
/// No clock and no I/O: every question carries the time, so tests use plain instants (the worker
/// uses `ContinuousClock`, which wall-clock steps cannot move). Guarantees:
/// - `tickDue` is true at most every `tickInterval` (250 ms: `for_s` and escalation resolution),
///   `flushDue` at most every `flushInterval` (1 s), and always once the mailbox is closed; each
///   re-arms from the instant it was asked at.
/// - The wait for inputs ends at the next tick or flush, whichever is first (never negative).
/// - Without a database, a connect is due at once, then after each failure only when the back-off
///   has passed: 500 ms doubling to 10 s, back to 500 ms once connected.
public struct AlertLoopTiming<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    public static var tickInterval: Duration { .milliseconds(250) }
    public static var flushInterval: Duration { .seconds(1) }
    public static var initialRetryDelay: Duration { .milliseconds(500) }
    public static var maxRetryDelay: Duration { .seconds(10) }

    public private(set) var nextTick: Instant
    public private(set) var nextFlush: Instant
    /// Whether the worker holds a working connection (and the engine built on it).
    public private(set) var isConnected = false
    /// No connect before this instant; nil: at once.
    public private(set) var retryAt: Instant?
    public private(set) var retryDelay = initialRetryDelay

    public init(now: Instant) {
        nextTick = now.advanced(by: Self.tickInterval)
        nextFlush = now.advanced(by: Self.flushInterval)
    }

    /// How long to wait for inputs from `now`.
    public func wait(now: Instant) -> Duration {
        max(.zero, now.duration(to: min(nextTick, nextFlush)))
    }

    /// Whether to (re)connect now: not connected, and no back-off running.
    public func connectDue(now: Instant) -> Bool {
        !isConnected && retryAt.map { now >= $0 } ?? true
    }

    /// The connection works and the engine is built: the back-off starts over.
    public mutating func connected() {
        isConnected = true
        retryAt = nil
        retryDelay = Self.initialRetryDelay
    }

    /// A connect or database work failed at `now`: the connection is gone; returns the back-off.
    @discardableResult
    public mutating func failed(now: Instant) -> Duration {
        let delay = retryDelay
        isConnected = false
        retryAt = now.advanced(by: delay)
        retryDelay = min(retryDelay * 2, Self.maxRetryDelay)
        return delay
    }

    /// Whether the rules tick now; if so, the next tick is a `tickInterval` from `now`.
    public mutating func tickDue(now: Instant) -> Bool {
        guard now >= nextTick else { return false }
        nextTick = now.advanced(by: Self.tickInterval)
        return true
    }

    /// Whether to write current values (and report unevaluated readings) now: a `flushInterval`
    /// has passed, or `closed` (the last flush before stopping). Re-arms from `now`.
    public mutating func flushDue(now: Instant, closed: Bool) -> Bool {
        guard now >= nextFlush || closed else { return false }
        nextFlush = now.advanced(by: Self.flushInterval)
        return true
    }
}
