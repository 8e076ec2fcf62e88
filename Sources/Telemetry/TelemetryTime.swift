import WallTime

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
        guard let (micros, hasOffset) = parseDateTime(bytes), hasOffset else { return nil }
        return micros
    }

    /// Parses an RFC 3339 date-time whose offset may be missing (`2026-12-04T10:00:00`, as Tasmota's
    /// `Time` is written): with an offset, the UTC instant; without, the local civil time counted as if
    /// it were UTC, for the caller to place in the device's zone. Nil if it is neither.
    public static func parseDateTime(_ bytes: UnsafeRawBufferPointer) -> (micros: Int64, hasOffset: Bool)? {
        let n = bytes.count
        guard n >= 19 else { return nil }
        func digits(_ at: Int, _ count: Int) -> Int? { DateTimeText.digits(bytes, at, count) }
        guard let year = digits(0, 4), bytes[4] == UInt8(ascii: "-"),
              let month = digits(5, 2), bytes[7] == UInt8(ascii: "-"),
              let day = digits(8, 2),
              bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t") || bytes[10] == UInt8(ascii: " "),
              let hour = digits(11, 2), bytes[13] == UInt8(ascii: ":"),
              let minute = digits(14, 2), bytes[16] == UInt8(ascii: ":"),
              let second = digits(17, 2)
        else { return nil }
        let date = CivilDate(year: year, month: month, day: day)
        guard date.isValid, hour <= 23, minute <= 59, second <= 60 else { return nil }
        var i = 19
        var fractionMicros: Int64 = 0
        if i < n, bytes[i] == UInt8(ascii: ".") {
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
        var offsetSeconds = 0
        let hasOffset = i < n
        if hasOffset {
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
        }
        guard i == n else { return nil }
        let days = date.dayNumber
        let seconds = days * 86_400 + Int64(hour * 3600 + minute * 60 + second - offsetSeconds)
        return (seconds * 1_000_000 + fractionMicros, hasOffset)
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
        DateTimeText.append(micros, separator: UInt8(ascii: "T"), fraction: .trimmed, to: &out)
        out.append(UInt8(ascii: "Z"))
    }
}
