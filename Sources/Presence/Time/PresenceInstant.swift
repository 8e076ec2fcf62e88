#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A wall-clock instant in whole microseconds since 1970-01-01 00:00:00 UTC.
///
/// Presence is persisted as `TIMESTAMP` (microsecond precision, UTC), and counters must
/// survive restarts exactly, so time is an integer with the database's own resolution:
/// every interval the machine adds up is exact, and every instant round-trips through
/// PostgreSQL unchanged. The machine never reads a clock; callers pass instants in
/// (`PresenceInstant.now()` in the daemon, literal values in tests).
public struct PresenceInstant: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var microseconds: Int64

    public init(microseconds: Int64) {
        self.microseconds = microseconds
    }

    public init(seconds: Int64) {
        self.microseconds = seconds * 1_000_000
    }

    /// The current wall-clock time (CLOCK_REALTIME).
    public static func now() -> PresenceInstant {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return PresenceInstant(microseconds: Int64(spec.tv_sec) * 1_000_000 + Int64(spec.tv_nsec) / 1_000)
    }

    public static func < (lhs: PresenceInstant, rhs: PresenceInstant) -> Bool { lhs.microseconds < rhs.microseconds }

    public static func + (lhs: PresenceInstant, rhs: Duration) -> PresenceInstant {
        PresenceInstant(microseconds: lhs.microseconds + rhs.wholeMicroseconds)
    }

    public static func - (lhs: PresenceInstant, rhs: Duration) -> PresenceInstant {
        PresenceInstant(microseconds: lhs.microseconds - rhs.wholeMicroseconds)
    }

    public static func - (lhs: PresenceInstant, rhs: PresenceInstant) -> Duration {
        .microseconds(lhs.microseconds - rhs.microseconds)
    }

    /// As PostgreSQL prints a `TIMESTAMP`: `2024-05-01 12:00:00.000001` (always six fraction digits).
    public var description: String { TimestampText.format(microseconds) }
}

extension Duration {
    /// The duration truncated to whole microseconds (presence's resolution).
    var wholeMicroseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000 + attoseconds / 1_000_000_000_000
    }
}
