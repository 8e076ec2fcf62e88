/// When the presence thread does what, as a value: the sweep, the periodic and the prompt flush,
/// the retried load at start, and how long to wait for inputs meanwhile.
///
/// No clock and no I/O: every question carries the time, so tests use plain instants (the worker
/// uses `ContinuousClock`, which wall-clock steps cannot move). Guarantees:
/// - Until the devices' presence is loaded, each failed load waits `loadRetryDelay`: 500 ms
///   doubling to 10 s. Loading arms the sweep and the flush from that instant.
/// - A sweep is due every `sweepInterval`, counted from the end of the previous one.
/// - A flush is due every `flushInterval` (2 s) after the previous one ended, and at most
///   `transitionFlushDelay` (250 ms) after a device changed status, so `devices.status` (which the
///   command claim reads) and the `device_offline` alerts follow quickly.
/// - The wait for inputs ends at the next sweep or flush, whichever is first (never negative).
public struct PresenceLoopTiming<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    public static var flushInterval: Duration { .seconds(2) }
    public static var transitionFlushDelay: Duration { .milliseconds(250) }
    public static var initialLoadRetryDelay: Duration { .milliseconds(500) }
    public static var maxLoadRetryDelay: Duration { .seconds(10) }

    public let sweepInterval: Duration
    public private(set) var nextSweep: Instant
    public private(set) var nextFlush: Instant
    public private(set) var loadRetryDelay = initialLoadRetryDelay

    public init(sweepInterval: Duration, now: Instant) {
        self.sweepInterval = sweepInterval
        nextSweep = now.advanced(by: sweepInterval)
        nextFlush = now.advanced(by: Self.flushInterval)
    }

    /// Loading failed: returns how long to wait before the next attempt.
    public mutating func loadFailed() -> Duration {
        let delay = loadRetryDelay
        loadRetryDelay = min(loadRetryDelay * 2, Self.maxLoadRetryDelay)
        return delay
    }

    /// Presence is loaded at `now`: the first sweep and flush are counted from here.
    public mutating func loaded(now: Instant) {
        nextSweep = now.advanced(by: sweepInterval)
        nextFlush = now.advanced(by: Self.flushInterval)
    }

    /// How long to wait for inputs from `now`.
    public func wait(now: Instant) -> Duration {
        max(.zero, now.duration(to: min(nextSweep, nextFlush)))
    }

    public func sweepDue(now: Instant) -> Bool { now >= nextSweep }

    /// A sweep ended at `now`.
    public mutating func swept(now: Instant) {
        nextSweep = now.advanced(by: sweepInterval)
    }

    /// Some device changed status at `now`: flush within `transitionFlushDelay`.
    public mutating func transitioned(now: Instant) {
        nextFlush = min(nextFlush, now.advanced(by: Self.transitionFlushDelay))
    }

    public func flushDue(now: Instant) -> Bool { now >= nextFlush }

    /// A flush ended at `now`.
    public mutating func flushed(now: Instant) {
        nextFlush = now.advanced(by: Self.flushInterval)
    }
}
