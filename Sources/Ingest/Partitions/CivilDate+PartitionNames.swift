import WallTime

extension CivilDate {
    /// `YYYYMMDD`, as in the names of day and week partitions.
    var compact: String {
        var out: [UInt8] = []
        DateTimeText.appendDigits(year, width: 4, to: &out)
        DateTimeText.appendDigits(month, width: 2, to: &out)
        DateTimeText.appendDigits(day, width: 2, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// `YYYYMM`, as in the names of month partitions.
    var compactMonth: String { String(compact.prefix(6)) }
}
