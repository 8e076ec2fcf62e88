import WallTime

/// One existing partition of `sensor_readings` and the range it covers, whoever created it.
public struct PartitionRange: Hashable, Sendable, CustomStringConvertible {
    public var schema: String
    public var name: String
    /// Inclusive lower bound, Unix µs; `Int64.min` for MINVALUE.
    public var startMicros: Int64
    /// Exclusive upper bound, Unix µs; `Int64.max` for MAXVALUE.
    public var endMicros: Int64

    public init(schema: String = "public", name: String, startMicros: Int64, endMicros: Int64) {
        self.schema = schema
        self.name = name
        self.startMicros = startMicros
        self.endMicros = endMicros
    }

    public func contains(_ micros: Int64) -> Bool { startMicros <= micros && micros < endMicros }

    public var description: String {
        let start = startMicros == .min ? "MINVALUE" : DateTimeText.format(startMicros, fraction: .sixDigitsUnlessZero)
        let end = endMicros == .max ? "MAXVALUE" : DateTimeText.format(endMicros, fraction: .sixDigitsUnlessZero)
        return "\(name) [\(start), \(end))"
    }
}

extension [PartitionRange] {
    /// The first instant in `[start, end)` no range covers, or nil when the ranges cover it all.
    /// `self` must be sorted by `startMicros` and non-overlapping (PostgreSQL guarantees the latter).
    func firstGap(from start: Int64, to end: Int64) -> Int64? {
        var point = start
        for range in self where range.endMicros > point {
            if range.startMicros > point { return point }
            point = range.endMicros
            if point >= end { return nil }
        }
        return point < end ? point : nil
    }

    /// The range that wholly covers every day in `days` (days since 1970-01-01), or nil when none
    /// does: the days span two ranges, a bound falls inside one of them, or `days` is empty.
    func partition(coveringDays days: [Int64]) -> PartitionRange? {
        guard let firstDay = days.min(), let lastDay = days.max() else { return nil }
        let start = firstDay * CivilDate.microsPerDay
        let end = (lastDay + 1) * CivilDate.microsPerDay
        return first { $0.startMicros <= start && end <= $0.endMicros }
    }
}
