#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A wall-clock instant in whole microseconds since 1970-01-01 00:00:00 UTC.
///
/// Commands, presence and alerts persist time as `TIMESTAMP` (microsecond precision, UTC) and
/// rebuild deadlines and counters from it after a restart, so time is an integer at the
/// database's own resolution: durations added up are exact, and an instant written and read
/// back is equal. State machines never read a clock; callers pass instants in (`now()` in the
/// daemon, literal values in tests).
public struct WallInstant: InstantProtocol, Hashable, Sendable, CustomStringConvertible {
    public typealias Duration = Swift.Duration

    /// Microseconds since 1970-01-01 00:00:00 UTC.
    public var microseconds: Int64

    @inlinable
    public init(microseconds: Int64) {
        self.microseconds = microseconds
    }

    /// The instant `seconds` after the epoch.
    @inlinable
    public init(seconds: Int64) {
        self.microseconds = seconds * 1_000_000
    }

    /// The current wall-clock time (CLOCK_REALTIME), truncated to microseconds.
    public static func now() -> WallInstant {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return WallInstant(microseconds: Int64(spec.tv_sec) * 1_000_000 + Int64(spec.tv_nsec) / 1_000)
    }

    /// Moves by `duration`, truncated to whole microseconds.
    public func advanced(by duration: Swift.Duration) -> WallInstant {
        WallInstant(microseconds: microseconds + duration.wholeMicroseconds)
    }

    public func duration(to other: WallInstant) -> Swift.Duration {
        .microseconds(other.microseconds - microseconds)
    }

    public static func + (lhs: WallInstant, rhs: Swift.Duration) -> WallInstant {
        WallInstant(microseconds: lhs.microseconds + rhs.wholeMicroseconds)
    }

    public static func - (lhs: WallInstant, rhs: Swift.Duration) -> WallInstant {
        WallInstant(microseconds: lhs.microseconds - rhs.wholeMicroseconds)
    }

    public static func - (lhs: WallInstant, rhs: WallInstant) -> Swift.Duration {
        .microseconds(lhs.microseconds - rhs.microseconds)
    }

    public static func < (lhs: WallInstant, rhs: WallInstant) -> Bool {
        lhs.microseconds < rhs.microseconds
    }

    /// As PostgreSQL prints a `TIMESTAMP` with all six fraction digits: `2024-05-01 12:00:00.000001`.
    public var description: String { DateTimeText.format(microseconds, fraction: .sixDigits) }
}

extension Swift.Duration {
    /// The duration in whole microseconds, truncated towards zero (PostgreSQL's resolution).
    public var wholeMicroseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000 + attoseconds / 1_000_000_000_000
    }
}
