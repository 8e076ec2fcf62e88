#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A wall-clock instant in whole microseconds since the Unix epoch (UTC).
///
/// Commands live across restarts and gateways, and their deadlines are rebuilt from the
/// `TIMESTAMP` columns (`sent_at`, `acknowledged_at`, `created_at`), so the machine works in
/// wall-clock time at PostgreSQL's resolution: an instant written and read back is equal.
public struct CommandInstant: InstantProtocol, Hashable, Sendable, CustomStringConvertible {
    public typealias Duration = Swift.Duration

    /// Microseconds since 1970-01-01 00:00:00 UTC.
    public var microseconds: Int64

    public init(microseconds: Int64) {
        self.microseconds = microseconds
    }

    /// The instant `seconds` after the epoch; handy in tests.
    public init(epochSeconds seconds: Int64) {
        self.microseconds = seconds * 1_000_000
    }

    /// The current wall-clock time (CLOCK_REALTIME), truncated to microseconds.
    public static func now() -> CommandInstant {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return CommandInstant(microseconds: Int64(spec.tv_sec) * 1_000_000 + Int64(spec.tv_nsec) / 1_000)
    }

    /// Moves by `duration`, truncated to whole microseconds (PostgreSQL's resolution).
    public func advanced(by duration: Swift.Duration) -> CommandInstant {
        CommandInstant(microseconds: microseconds + Self.microseconds(of: duration))
    }

    public func duration(to other: CommandInstant) -> Swift.Duration {
        .microseconds(other.microseconds - microseconds)
    }

    public static func + (lhs: CommandInstant, rhs: Swift.Duration) -> CommandInstant { lhs.advanced(by: rhs) }
    public static func - (lhs: CommandInstant, rhs: Swift.Duration) -> CommandInstant { lhs.advanced(by: .zero - rhs) }
    public static func - (lhs: CommandInstant, rhs: CommandInstant) -> Swift.Duration { rhs.duration(to: lhs) }

    public static func < (lhs: CommandInstant, rhs: CommandInstant) -> Bool {
        lhs.microseconds < rhs.microseconds
    }

    /// Whole microseconds in `duration`, rounded towards zero.
    static func microseconds(of duration: Swift.Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000 + attoseconds / 1_000_000_000_000
    }

    public var description: String { "@\(microseconds)µs" }
}
