/// Writes and reads `YYYY-MM-DD?HH:MM:SS[.ffffff]`, the date-time core shared by PostgreSQL's
/// `TIMESTAMP` text and RFC 3339, at microsecond precision in UTC.
///
/// Appending into a caller's buffer allocates nothing once the buffer has room, so it can sit on
/// the telemetry decoder's hot path. Years 0…9999 print as four digits; others print all their digits.
public enum DateTimeText {
    /// How the fractional second is written.
    public enum Fraction: Sendable {
        /// Always `.ffffff` (six digits), as PostgreSQL's binary-exact text form.
        case sixDigits
        /// `.ffffff` only when the fraction is not zero.
        case sixDigitsUnlessZero
        /// Only the significant digits (`.5`, `.000001`), none when zero.
        case trimmed
        /// Always `.fff`: milliseconds, truncated.
        case milliseconds
    }

    /// Appends the UTC date-time of `micros` (Unix epoch) with `separator` between date and time.
    public static func append(_ micros: Int64, separator: UInt8, fraction: Fraction, to out: inout [UInt8]) {
        let days = CivilDate.dayNumber(micros: micros)
        let inDay = micros - days * CivilDate.microsPerDay
        appendDate(CivilDate(dayNumber: days), to: &out)
        out.append(separator)
        let second = Int(inDay / 1_000_000)
        appendDigits(second / 3600, width: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        appendDigits(second / 60 % 60, width: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        appendDigits(second % 60, width: 2, to: &out)
        let micro = Int(inDay % 1_000_000)
        switch fraction {
        case .sixDigits:
            out.append(UInt8(ascii: "."))
            appendDigits(micro, width: 6, to: &out)
        case .sixDigitsUnlessZero where micro != 0:
            out.append(UInt8(ascii: "."))
            appendDigits(micro, width: 6, to: &out)
        case .trimmed where micro != 0:
            var digits = micro, width = 6
            while digits % 10 == 0 { digits /= 10; width -= 1 }
            out.append(UInt8(ascii: "."))
            appendDigits(digits, width: width, to: &out)
        case .milliseconds:
            out.append(UInt8(ascii: "."))
            appendDigits(micro / 1000, width: 3, to: &out)
        case .sixDigitsUnlessZero, .trimmed:
            break
        }
    }

    /// The UTC date-time of `micros` as a string; see ``append(_:separator:fraction:to:)``.
    public static func format(_ micros: Int64, separator: Character = " ", fraction: Fraction) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(32)
        append(micros, separator: separator.asciiValue ?? UInt8(ascii: " "), fraction: fraction, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// `YYYY-MM-DD`.
    public static func appendDate(_ date: CivilDate, to out: inout [UInt8]) {
        if date.year < 0 { out.append(UInt8(ascii: "-")) }
        appendDigits(abs(date.year), width: 4, to: &out)
        out.append(UInt8(ascii: "-"))
        appendDigits(date.month, width: 2, to: &out)
        out.append(UInt8(ascii: "-"))
        appendDigits(date.day, width: 2, to: &out)
    }

    /// `value` (not negative) in decimal, zero-padded to at least `width` digits.
    public static func appendDigits(_ value: Int, width: Int, to out: inout [UInt8]) {
        var divisor = 1
        var digits = 1
        while digits < width || value / divisor >= 10 {
            divisor *= 10
            digits += 1
        }
        var rest = value
        while divisor > 0 {
            out.append(UInt8(ascii: "0") + UInt8(rest / divisor))
            rest %= divisor
            divisor /= 10
        }
    }

    /// `count` ASCII digits at `start` as a number; nil if any byte is not a digit.
    @inlinable
    public static func digits(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ count: Int) -> Int? {
        var value = 0
        for index in start..<(start + count) {
            let digit = bytes[index] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            value = value * 10 + Int(digit)
        }
        return value
    }
}
