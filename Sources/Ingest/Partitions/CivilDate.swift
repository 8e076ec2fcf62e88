/// Proleptic Gregorian dates as days since 1970-01-01, without Foundation calendars.
///
/// Partition bucketing runs on every batch and must agree exactly with PostgreSQL's
/// `date_trunc` on UTC timestamps; integer day arithmetic (Howard Hinnant's civil algorithms)
/// does both, for any year, with no time zone to get wrong.
public struct CivilDate: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var year: Int
    public var month: Int
    public var day: Int

    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    public static let microsPerDay: Int64 = 86_400_000_000

    /// The day containing `micros` (Unix epoch, UTC), rounding toward negative infinity.
    public static func dayNumber(micros: Int64) -> Int64 {
        micros >= 0 ? micros / microsPerDay : -((-micros - 1) / microsPerDay) - 1
    }

    /// The date of day number `days` (days since 1970-01-01).
    public init(dayNumber days: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.init(year: Int(yoe + era * 400 + (m <= 2 ? 1 : 0)), month: Int(m), day: Int(d))
    }

    /// Days since 1970-01-01.
    public var dayNumber: Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let m = Int64(month)
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// 0 = Monday … 6 = Sunday (ISO).
    public static func isoWeekday(dayNumber days: Int64) -> Int {
        // 1970-01-01 was a Thursday (3).
        Int(((days % 7) + 7 + 3) % 7)
    }

    /// The first day of the month `months` after this date's month.
    public func firstOfMonth(adding months: Int = 0) -> CivilDate {
        let index = year * 12 + (month - 1) + months
        let y = index >= 0 ? index / 12 : -((-index - 1) / 12) - 1
        return CivilDate(year: y, month: index - y * 12 + 1, day: 1)
    }

    public static func < (a: CivilDate, b: CivilDate) -> Bool {
        (a.year, a.month, a.day) < (b.year, b.month, b.day)
    }

    /// YYYY-MM-DD.
    public var description: String { "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))" }

    /// YYYYMMDD, as in partition names.
    var compact: String { "\(pad(year, 4))\(pad(month, 2))\(pad(day, 2))" }

    /// YYYYMM.
    var compactMonth: String { "\(pad(year, 4))\(pad(month, 2))" }
}

func pad(_ value: Int, _ width: Int) -> String {
    let text = String(value)
    return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
}
