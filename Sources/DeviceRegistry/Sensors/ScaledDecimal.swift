/// Parses PostgreSQL's text form of a DECIMAL(15,4) into the value × 10⁴, the form readings carry.
///
/// `-40.0000`, `125`, `0.5` → -400000, 1250000, 5000. More than four fractional digits, or a value
/// beyond Int64, is nil: DECIMAL(15,4) never prints either, so such text is not ours.
enum ScaledDecimal {
    static func parse(_ text: some StringProtocol) -> Int64? {
        var negative = false
        var integer: Int64 = 0
        var fraction: Int64 = 0
        var fractionDigits = 0
        var inFraction = false
        var sawDigit = false
        var first = true
        for byte in text.utf8 {
            defer { first = false }
            switch byte {
            case UInt8(ascii: "-") where first: negative = true
            case UInt8(ascii: "+") where first: continue
            case UInt8(ascii: ".") where !inFraction: inFraction = true
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                sawDigit = true
                let digit = Int64(byte &- UInt8(ascii: "0"))
                if inFraction {
                    guard fractionDigits < 4 else { return nil }
                    fraction = fraction * 10 + digit
                    fractionDigits += 1
                } else {
                    let (shifted, o1) = integer.multipliedReportingOverflow(by: 10)
                    let (sum, o2) = shifted.addingReportingOverflow(digit)
                    guard !o1, !o2 else { return nil }
                    integer = sum
                }
            default: return nil
            }
        }
        guard sawDigit else { return nil }
        for _ in fractionDigits..<4 { fraction *= 10 }
        let (scaled, o1) = integer.multipliedReportingOverflow(by: 10_000)
        let (magnitude, o2) = scaled.addingReportingOverflow(fraction)
        guard !o1, !o2 else { return nil }
        return negative ? -magnitude : magnitude
    }
}
