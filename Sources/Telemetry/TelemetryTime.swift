/// Timestamps as `Int64` microseconds since 1970-01-01T00:00:00Z: PostgreSQL's own resolution,
/// so a value survives the round trip to a `TIMESTAMP` column unchanged, and cheap to compare.
public enum TelemetryTime {
    /// 2000-01-01T00:00:00Z: the contract's lower bound for a reading's `ts`.
    public static let earliestMicros: Int64 = 946_684_800_000_000
    /// 9999-12-31T23:59:59.999999Z: the last instant RFC 3339 (four-digit years) can name.
    public static let latestMicros: Int64 = 253_402_300_799_999_999
    /// Epoch numbers below this are seconds, at or above it milliseconds (contract §3: 1e11).
    static let secondsLimitMicros: Int64 = 100_000_000_000 * 1_000_000

    /// Parses an RFC 3339 date-time (`2024-05-01T12:00:00.5+02:00`, `…Z`); nil if it is not one.
    ///
    /// Accepts `t`/space for `T` and `z` for `Z` (RFC 3339 §5.6 note), any number of fractional
    /// digits (rounded half up to microseconds, as PostgreSQL does) and second 60 (counted into the
    /// next minute, as PostgreSQL does). Field ranges and days per month are checked.
    public static func parseRFC3339(_ bytes: UnsafeRawBufferPointer) -> Int64? {
        let n = bytes.count
        guard n >= 20 else { return nil }
        func digits(_ at: Int, _ count: Int) -> Int? {
            var v = 0
            for i in at..<(at + count) {
                let b = bytes[i]
                guard b >= 0x30 && b <= 0x39 else { return nil }
                v = v * 10 + Int(b - 0x30)
            }
            return v
        }
        guard let year = digits(0, 4), bytes[4] == UInt8(ascii: "-"),
              let month = digits(5, 2), bytes[7] == UInt8(ascii: "-"),
              let day = digits(8, 2),
              bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t") || bytes[10] == UInt8(ascii: " "),
              let hour = digits(11, 2), bytes[13] == UInt8(ascii: ":"),
              let minute = digits(14, 2), bytes[16] == UInt8(ascii: ":"),
              let second = digits(17, 2)
        else { return nil }
        guard (1...12).contains(month), day >= 1, day <= daysInMonth(year, month),
              hour <= 23, minute <= 59, second <= 60
        else { return nil }
        var i = 19
        var fractionMicros: Int64 = 0
        if bytes[i] == UInt8(ascii: ".") {
            i += 1
            var count = 0
            var roundUp = false
            while i < n, bytes[i] >= 0x30 && bytes[i] <= 0x39 {
                if count < 6 {
                    fractionMicros = fractionMicros * 10 + Int64(bytes[i] - 0x30)
                } else if count == 6 {
                    roundUp = bytes[i] >= 0x35
                }
                count += 1
                i += 1
            }
            guard count > 0 else { return nil }
            for _ in min(count, 6)..<6 { fractionMicros *= 10 }
            if roundUp { fractionMicros += 1 }
        }
        guard i < n else { return nil }
        var offsetSeconds = 0
        switch bytes[i] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            i += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard i + 6 <= n, let oh = digits(i + 1, 2), bytes[i + 3] == UInt8(ascii: ":"),
                  let om = digits(i + 4, 2), oh <= 23, om <= 59
            else { return nil }
            offsetSeconds = (oh * 60 + om) * 60 * (bytes[i] == UInt8(ascii: "-") ? -1 : 1)
            i += 6
        default:
            return nil
        }
        guard i == n else { return nil }
        let days = daysFromCivil(year, month, day)
        let seconds = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second - offsetSeconds)
        return seconds * 1_000_000 + fractionMicros
    }

    /// Parses an RFC 3339 string; see ``parseRFC3339(_:)-(UnsafeRawBufferPointer)``.
    public static func parseRFC3339(_ string: some StringProtocol) -> Int64? {
        var s = String(string)
        return s.withUTF8 { parseRFC3339(UnsafeRawBufferPointer($0)) }
    }

    /// Converts an epoch number to microseconds: below 1e11 it is seconds, else milliseconds.
    /// Nil when it does not fit in `Int64` microseconds.
    static func micros(epoch n: JSONNumber) -> Int64? {
        if let us = n.scaled(by: 6), n.negative || us < secondsLimitMicros { return us }
        return n.scaled(by: 3)
    }

    /// Formats as RFC 3339 in UTC, e.g. `2024-05-01T10:00:00.5Z` (fraction only when non-zero).
    public static func formatRFC3339(_ micros: Int64) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(27)
        appendRFC3339(micros, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the RFC 3339 UTC form of `micros` to `out` (allocation-free when `out` has room).
    public static func appendRFC3339(_ micros: Int64, to out: inout [UInt8]) {
        var seconds = micros / 1_000_000
        var fraction = micros % 1_000_000
        if fraction < 0 { fraction += 1_000_000; seconds -= 1 }
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 { secondOfDay += 86_400; days -= 1 }
        let (year, month, day) = civilFromDays(Int(days))
        func put(_ v: Int, _ width: Int) {
            var divisor = 1
            for _ in 1..<width { divisor *= 10 }
            var v = v
            while divisor > 0 { out.append(UInt8(0x30 + v / divisor)); v %= divisor; divisor /= 10 }
        }
        put(year, 4); out.append(UInt8(ascii: "-")); put(month, 2); out.append(UInt8(ascii: "-")); put(day, 2)
        out.append(UInt8(ascii: "T"))
        let sod = Int(secondOfDay)
        put(sod / 3600, 2); out.append(UInt8(ascii: ":")); put(sod / 60 % 60, 2); out.append(UInt8(ascii: ":"))
        put(sod % 60, 2)
        if fraction != 0 {
            out.append(UInt8(ascii: "."))
            var f = Int(fraction), width = 6
            while f % 10 == 0 { f /= 10; width -= 1 }
            put(f, width)
        }
        out.append(UInt8(ascii: "Z"))
    }

    static func daysInMonth(_ year: Int, _ month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
    static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
