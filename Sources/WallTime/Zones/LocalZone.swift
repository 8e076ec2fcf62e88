import Foundation

/// One IANA time zone, turning a local civil time (as a device's clock shows it) into UTC.
///
/// The zone rules come from Foundation's `TimeZone` (the tz database), asked only on a cache
/// miss: each answer is remembered as a span of local time over which the offset is constant and
/// unambiguous, so a device reporting every few seconds costs arithmetic, not a `TimeZone` call,
/// until the zone's next transition. Not thread-safe: one owner (the ingest thread) uses it.
///
/// Local times that occur twice (the hour repeated when clocks go back) are read as their first
/// occurrence (the earlier instant, as `java.time` does); local times that do not exist (skipped when
/// clocks go forward) are moved forward by the length of the gap.
public final class LocalZone {
    /// The IANA name, as given.
    public let name: String
    private let zone: TimeZone
    /// Local-time spans (seconds, local time read as if UTC) with their offset; newest first.
    private var spans: [(localStart: Int64, localEnd: Int64, offset: Int64)] = []
    private static let maxSpans = 4

    /// Nil when `name` is not a time zone the tz database knows.
    public init?(name: String) {
        guard let zone = TimeZone(identifier: name) else { return nil }
        self.name = name
        self.zone = zone
        spans.reserveCapacity(Self.maxSpans)
    }

    /// Microseconds since the epoch (UTC) of `localMicros`, a local civil time counted as if it were UTC.
    public func utcMicros(fromLocal localMicros: Int64) -> Int64 {
        let seconds = localMicros >= 0 ? localMicros / 1_000_000 : (localMicros - 999_999) / 1_000_000
        return localMicros - offsetSeconds(forLocal: seconds) * 1_000_000
    }

    /// The UTC offset (seconds east of Greenwich) that applies to the local time `local` (seconds).
    public func offsetSeconds(forLocal local: Int64) -> Int64 {
        for span in spans where local >= span.localStart && local < span.localEnd { return span.offset }
        return resolve(local)
    }

    /// The cold path: asks the tz database, then remembers the span the answer holds for.
    private func resolve(_ local: Int64) -> Int64 {
        let before = offset(at: local - 86_400)
        let after = offset(at: local + 86_400)
        // Which candidate instants really show `local` on the zone's clocks.
        let earlierValid = offset(at: local - max(before, after)) == max(before, after)
        let laterValid = offset(at: local - min(before, after)) == min(before, after)
        let chosen: Int64
        if earlierValid {
            chosen = max(before, after)  // first occurrence (or the only one)
        } else if laterValid {
            chosen = min(before, after)
        } else {
            chosen = before  // in a gap: move forward by its length
        }
        let instant = local - chosen
        guard offset(at: instant) == chosen else { return chosen }  // a gap: not cached
        // The offset holds until the next transition (local times repeated after it are read as this
        // span's, the first occurrence); the span starts at `local`, because local times just before
        // it may belong to an earlier, ambiguous stretch.
        let next = zone.nextDaylightSavingTimeTransition(after: Date(timeIntervalSince1970: Double(instant)))
            .map { Int64($0.timeIntervalSince1970.rounded(.down)) } ?? Int64.max / 2
        let localEnd = next + chosen
        if localEnd > local {
            if spans.count == Self.maxSpans { spans.removeLast() }
            spans.insert((local, localEnd, chosen), at: 0)
        }
        return chosen
    }

    private func offset(at utcSeconds: Int64) -> Int64 {
        Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(utcSeconds))))
    }
}

/// The zones of the devices, by name, each resolved once (see ``LocalZone``).
public final class LocalZones {
    /// What a device's `timezone` names.
    public enum Lookup {
        /// No zone, or `UTC`/`Etc/UTC`: local time is UTC.
        case utc
        case zone(LocalZone)
        /// Not a zone the tz database knows (the name as given).
        case unknown(String)
    }

    private var zones: [String: Lookup] = [:]

    public init() {}

    /// The zone `name` names; nil, empty, `UTC` and `Etc/UTC` are UTC.
    public func lookup(_ name: String?) -> Lookup {
        guard let name, !name.isEmpty, name != "UTC", name != "Etc/UTC" else { return .utc }
        if let known = zones[name] { return known }
        let found: Lookup = LocalZone(name: name).map { .zone($0) } ?? .unknown(name)
        zones[name] = found
        return found
    }
}
