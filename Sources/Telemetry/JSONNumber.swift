/// A JSON number held exactly as `±significand × 10^exponent`, plus where its text lies.
///
/// Exact decimal arithmetic keeps `21.35` at 213500 ten-thousandths (a `Double` would make it
/// 213499.99…), so DECIMAL(15,4) values and microsecond timestamps round the way PostgreSQL
/// would for the same text. At most 19 significant digits are kept; later digits can never
/// change a result that fits in an `Int64` (rounding is half away from zero, which looks only
/// at the first dropped digit).
struct JSONNumber: Equatable {
    var negative: Bool
    var significand: UInt64
    var exponent: Int
    /// Byte range of the number's text in the payload (for reject details).
    var start: Int
    var end: Int

    /// The value × 10^scale as an integer, rounded half away from zero; nil if |result| > Int64.max.
    func scaled(by scale: Int) -> Int64? {
        if significand == 0 { return 0 }
        let e = exponent + scale
        var magnitude: UInt64
        if e >= 0 {
            guard e <= 19 else { return nil }
            let (m, overflow) = significand.multipliedReportingOverflow(by: powersOfTen[e])
            guard !overflow else { return nil }
            magnitude = m
        } else {
            let k = -e
            guard k <= 19 else { return 0 }  // first dropped digit is a leading zero
            let p = powersOfTen[k]
            magnitude = significand / p
            if significand % p >= p / 2 { magnitude += 1 }
        }
        guard magnitude <= UInt64(Int64.max) else { return nil }
        return negative ? -Int64(magnitude) : Int64(magnitude)
    }

    /// An approximate `Double` (heartbeat fields and diagnostics only, never stored values).
    var doubleValue: Double {
        var d = Double(significand)
        if exponent != 0 {
            let e = max(-400, min(400, exponent))
            d = e > 0 ? d * pow10Double(e) : d / pow10Double(-e)
        }
        return negative ? -d : d
    }
}

/// 10^0 … 10^19 (a literal, so the optimizer can place it in static memory).
let powersOfTen: [UInt64] = [
    1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000,
    10_000_000_000, 100_000_000_000, 1_000_000_000_000, 10_000_000_000_000, 100_000_000_000_000,
    1_000_000_000_000_000, 10_000_000_000_000_000, 100_000_000_000_000_000,
    1_000_000_000_000_000_000, 10_000_000_000_000_000_000,
]

private func pow10Double(_ e: Int) -> Double {
    var result = 1.0, base = 10.0, n = e
    while n > 0 {
        if n & 1 == 1 { result *= base }
        base *= base
        n >>= 1
    }
    return result
}
