extension WallInstant {
    /// Parses a `TIMESTAMP` as PostgreSQL prints it, `YYYY-MM-DD HH:MM:SS[.f{1,6}]` (or with `T`);
    /// nil for anything else (`infinity`, BC dates, a time zone suffix, out-of-range fields).
    public init?(timestampText text: some StringProtocol) {
        var text = String(text)
        guard let micros = text.withUTF8({ Self.parseTimestamp(UnsafeRawBufferPointer($0)) }) else { return nil }
        self.init(microseconds: micros)
    }

    static func parseTimestamp(_ bytes: UnsafeRawBufferPointer) -> Int64? {
        guard bytes.count >= 19, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
              bytes[10] == UInt8(ascii: " ") || bytes[10] == UInt8(ascii: "T"),
              bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
              let year = DateTimeText.digits(bytes, 0, 4), let month = DateTimeText.digits(bytes, 5, 2),
              let day = DateTimeText.digits(bytes, 8, 2), let hour = DateTimeText.digits(bytes, 11, 2),
              let minute = DateTimeText.digits(bytes, 14, 2), let second = DateTimeText.digits(bytes, 17, 2),
              hour < 24, minute < 60, second < 60
        else { return nil }
        let date = CivilDate(year: year, month: month, day: day)
        guard date.isValid else { return nil }
        var fraction = 0
        if bytes.count > 19 {
            let count = bytes.count - 20
            guard bytes[19] == UInt8(ascii: "."), (1...6).contains(count),
                  let value = DateTimeText.digits(bytes, 20, count) else { return nil }
            fraction = value
            for _ in count..<6 { fraction *= 10 }
        }
        let days = date.dayNumber
        return days * CivilDate.microsPerDay + Int64((hour * 60 + minute) * 60 + second) * 1_000_000 + Int64(fraction)
    }
}
