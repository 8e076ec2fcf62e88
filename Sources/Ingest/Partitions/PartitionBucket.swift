import GatewayConfig
import WallTime

/// The standard partition of one interval containing a time: its range and name.
///
/// Mirrors the SQL `mash_partition_bucket` (migration 0003) exactly — day, ISO week from Monday,
/// calendar month, in UTC — so the gateway can name and premake partitions without asking the
/// server; a test checks both agree.
public struct PartitionBucket: Hashable, Sendable, CustomStringConvertible {
    public var interval: PartitionInterval
    /// Inclusive lower bound, Unix µs (midnight UTC).
    public var startMicros: Int64
    /// Exclusive upper bound, Unix µs.
    public var endMicros: Int64
    /// e.g. `sensor_readings_p20261125`, `sensor_readings_w20261123`, `sensor_readings_m202611`.
    public var name: String

    /// The bucket of `interval` containing day number `day` (days since 1970-01-01).
    public init(containingDay day: Int64, interval: PartitionInterval) {
        self.interval = interval
        let date = CivilDate(dayNumber: day)
        let startDay: Int64
        let endDay: Int64
        switch interval {
        case .day:
            startDay = day
            endDay = day + 1
            name = "sensor_readings_p" + date.compact
        case .week:
            startDay = day - Int64(CivilDate.isoWeekday(dayNumber: day))
            endDay = startDay + 7
            name = "sensor_readings_w" + CivilDate(dayNumber: startDay).compact
        case .month:
            startDay = date.firstOfMonth().dayNumber
            endDay = date.firstOfMonth(adding: 1).dayNumber
            name = "sensor_readings_m" + date.compactMonth
        }
        startMicros = startDay * CivilDate.microsPerDay
        endMicros = endDay * CivilDate.microsPerDay
    }

    /// The bucket containing `micros` (Unix epoch, UTC).
    public init(containing micros: Int64, interval: PartitionInterval) {
        self.init(containingDay: CivilDate.dayNumber(micros: micros), interval: interval)
    }

    /// The bucket right after this one.
    public var next: PartitionBucket { PartitionBucket(containing: endMicros, interval: interval) }

    public var description: String { "\(name) [\(DateTimeText.format(startMicros, fraction: .sixDigitsUnlessZero)), \(DateTimeText.format(endMicros, fraction: .sixDigitsUnlessZero)))" }
}
