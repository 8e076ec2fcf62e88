/// A proleptic Gregorian date in UTC, and its conversion to and from days since 1970-01-01.
///
/// The one implementation of calendar arithmetic (Howard Hinnant's civil algorithms): integer
/// only, exact for any year, no time zone or locale to get wrong. PostgreSQL's `TIMESTAMP` text,
/// RFC 3339 and partition bounds are all built on it, so they agree with each other and with the
/// server's `date_trunc` on UTC timestamps.
public struct CivilDate: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var year: Int
    /// 1…12.
    public var month: Int
    /// 1…31.
    public var day: Int

    @inlinable
    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    public static let microsPerDay: Int64 = 86_400_000_000

    /// The day number (days since 1970-01-01) containing `micros` (Unix epoch, UTC), rounding
    /// towards negative infinity so instants before 1970 fall in the right day.
    @inlinable
    public static func dayNumber(micros: Int64) -> Int64 {
        micros >= 0 ? micros / microsPerDay : -((-micros - 1) / microsPerDay) - 1
    }

    /// The date of day number `days` (days since 1970-01-01).
    @inlinable
    public init(dayNumber days: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153  // 0 = March … 11 = February
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        self.init(year: Int(yearOfEra + era * 400 + (month <= 2 ? 1 : 0)), month: Int(month), day: Int(day))
    }

    /// Days since 1970-01-01 (negative before).
    @inlinable
    public var dayNumber: Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let m = Int64(month)
        let dayOfYear = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    @inlinable
    public static func isLeapYear(_ year: Int) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    /// Days in `month` (1…12) of `year`.
    @inlinable
    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Whether the fields name a real date (month 1…12, day within that month).
    public var isValid: Bool {
        (1...12).contains(month) && day >= 1 && day <= Self.daysInMonth(year: year, month: month)
    }

    /// 0 = Monday … 6 = Sunday (ISO 8601) of day number `days`.
    public static func isoWeekday(dayNumber days: Int64) -> Int {
        // 1970-01-01 was a Thursday (3).
        Int(((days % 7) + 7 + 3) % 7)
    }

    /// The first day of the month `months` after this date's month (before it when negative).
    public func firstOfMonth(adding months: Int = 0) -> CivilDate {
        let index = year * 12 + (month - 1) + months
        let y = index >= 0 ? index / 12 : -((-index - 1) / 12) - 1
        return CivilDate(year: y, month: index - y * 12 + 1, day: 1)
    }

    public static func < (a: CivilDate, b: CivilDate) -> Bool {
        (a.year, a.month, a.day) < (b.year, b.month, b.day)
    }

    /// `YYYY-MM-DD` (ISO 8601; at least four year digits).
    public var description: String {
        var out: [UInt8] = []
        out.reserveCapacity(10)
        DateTimeText.appendDate(self, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
