import Foundation
import Synchronization

/// When the ingest loop last made progress, for the systemd watchdog and `/healthz`.
///
/// The consumer thread beats on every pass of its loop (at least every 50 ms while idle, and
/// while it waits for writers or the database). A loop that stops beating is wedged: systemd's
/// watchdog is then not pinged and restarts the gateway; the ring keeps every accepted message.
public final class Liveness: Sendable {
    private let last = Atomic<Int64>(Liveness.nowNanoseconds())

    public init() {}

    public func beat() { last.store(Self.nowNanoseconds(), ordering: .relaxed) }

    /// Time since the last beat.
    public var silence: Duration { .nanoseconds(Self.nowNanoseconds() - last.load(ordering: .relaxed)) }

    private static func nowNanoseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }
}
