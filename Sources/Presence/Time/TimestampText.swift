/// Converts microseconds since the epoch to and from PostgreSQL's text form of `TIMESTAMP`.
///
/// Hand-written (civil-from-days, after Howard Hinnant) rather than a `DateFormatter`: it is
/// exact to the microsecond, allocation-light, and independent of locale and time zone; the
/// connection runs with `TimeZone=UTC`, so the text is UTC.
enum TimestampText {
    /// `YYYY-MM-DD HH:MM:SS.ffffff`; years 1...9999.
    static func format(_ microseconds: Int64) -> String {
        let (days, dayMicros) = microseconds.floorDivided(by: 86_400_000_000)
        let (year, month, day) = civil(fromDays: days)
        let secondOfDay = dayMicros / 1_000_000
        let fraction = dayMicros % 1_000_000
        var out = [UInt8]()
        out.reserveCapacity(26)
        append(&out, year, width: 4)
        out.append(UInt8(ascii: "-"))
        append(&out, month, width: 2)
        out.append(UInt8(ascii: "-"))
        append(&out, day, width: 2)
        out.append(UInt8(ascii: " "))
        append(&out, secondOfDay / 3600, width: 2)
        out.append(UInt8(ascii: ":"))
        append(&out, secondOfDay / 60 % 60, width: 2)
        out.append(UInt8(ascii: ":"))
        append(&out, secondOfDay % 60, width: 2)
        out.append(UInt8(ascii: "."))
        append(&out, fraction, width: 6)
        return String(decoding: out, as: UTF8.self)
    }

    /// Parses `YYYY-MM-DD HH:MM:SS[.f{1,6}]` (what PostgreSQL prints); nil for anything else
    /// (`infinity`, BC dates, a time zone suffix).
    static func parse(_ text: some StringProtocol) -> Int64? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 19, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
              bytes[10] == UInt8(ascii: " ") || bytes[10] == UInt8(ascii: "T"),
              bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
              let year = number(bytes, 0, 4), let month = number(bytes, 5, 2), let day = number(bytes, 8, 2),
              let hour = number(bytes, 11, 2), let minute = number(bytes, 14, 2), let second = number(bytes, 17, 2),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 60
        else { return nil }
        var fraction: Int64 = 0
        if bytes.count > 19 {
            let digits = bytes.count - 20
            guard bytes[19] == UInt8(ascii: "."), (1...6).contains(digits), let value = number(bytes, 20, digits) else { return nil }
            fraction = value
            for _ in digits..<6 { fraction *= 10 }
        }
        let days = daysFromCivil(year: year, month: month, day: day)
        return ((days * 24 + hour) * 60 + minute) * 60_000_000 + second * 1_000_000 + fraction
    }

    private static func number(_ bytes: [UInt8], _ start: Int, _ count: Int) -> Int64? {
        var value: Int64 = 0
        for index in start..<(start + count) {
            let digit = bytes[index] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            value = value * 10 + Int64(digit)
        }
        return value
    }

    private static func append(_ out: inout [UInt8], _ value: Int64, width: Int) {
        var digits = [UInt8](repeating: UInt8(ascii: "0"), count: width)
        var rest = value
        for index in stride(from: width - 1, through: 0, by: -1) {
            digits[index] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
        }
        out.append(contentsOf: digits)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date.
    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

extension Int64 {
    /// Quotient and non-negative remainder (floor division), so instants before 1970 format correctly.
    func floorDivided(by divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        let (q, r) = quotientAndRemainder(dividingBy: divisor)
        return r < 0 ? (q - 1, r + divisor) : (q, r)
    }
}
