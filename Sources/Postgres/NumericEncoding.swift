/// PostgreSQL's binary numeric: int16 ndigits, int16 weight, uint16 sign, int16 dscale, then
/// ndigits base-10000 digits (int16), most significant first.
///
/// The value is Σ digit[i] × 10000^(weight − i). Digits carry no leading or trailing zeros
/// (zero has no digits), matching what the server itself sends, so encodings compare exactly.
enum NumericEncoding {
    static let positive: UInt16 = 0x0000
    static let negative: UInt16 = 0x4000
    static let nan: UInt16 = 0xC000
    static let positiveInfinity: UInt16 = 0xD000
    static let negativeInfinity: UInt16 = 0xF000

    /// Appends the field (length included) for `value / 10^scale`; `scale` must be 0...4 (one base-10000 fractional digit).
    static func write(scaled value: Int64, scale: Int16, into bytes: inout [UInt8]) {
        precondition((0...4).contains(scale), "scale must be 0...4")
        var pow10: UInt64 = 1
        for _ in 0..<(4 - scale) { pow10 *= 10 }
        // Work with the magnitude as a count of 10^-4 units; UInt64 holds |Int64.min| × 1000.
        let magnitude = value.magnitude * pow10
        var integer = magnitude / 10_000
        let fraction = UInt16(magnitude % 10_000)

        // At most 5 integer groups (UInt64 < 10000^5) and one fractional group, least significant first.
        withUnsafeTemporaryAllocation(of: UInt16.self, capacity: 6) { digits in
            var count = 0
            digits[count] = fraction
            count += 1
            while integer > 0 {
                digits[count] = UInt16(integer % 10_000)
                integer /= 10_000
                count += 1
            }
            // digits[0] has weight -1, digits[k] has weight k-1. Trim zeros at both ends.
            var low = 0
            var high = count - 1
            while high >= low, digits[high] == 0 { high -= 1 }
            let ndigits: Int
            let weight: Int
            if high < low {
                ndigits = 0
                weight = 0
            } else {
                while digits[low] == 0 { low += 1 }
                ndigits = high - low + 1
                weight = high - 1
            }
            append(Int32(8 + 2 * ndigits), into: &bytes)
            append(Int16(ndigits), into: &bytes)
            append(Int16(weight), into: &bytes)
            append(ndigits == 0 || value >= 0 ? positive : negative, into: &bytes)
            append(scale, into: &bytes)
            var index = high
            while index >= low, ndigits > 0 {
                append(digits[index], into: &bytes)
                index -= 1
            }
        }
    }

    /// NaN or ±Infinity (infinities need PostgreSQL 14+).
    static func writeSpecial(_ sign: UInt16, into bytes: inout [UInt8]) {
        append(Int32(8), into: &bytes)
        append(Int16(0), into: &bytes)
        append(Int16(0), into: &bytes)
        append(sign, into: &bytes)
        append(Int16(0), into: &bytes)
    }

    /// `value` × 10^4 rounded half away from zero, or nil when it is not finite or does not fit Int64.
    static func scaled(_ value: Double) -> Int64? {
        guard value.isFinite else { return nil }
        return Int64(exactly: (value * 10_000).rounded(.toNearestOrAwayFromZero))
    }

    @inline(__always)
    private static func append<T: FixedWidthInteger>(_ value: T, into bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }
}
