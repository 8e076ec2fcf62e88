/// A UUID as two big-endian 64-bit halves: what the binary COPY encoder writes, hashable without allocating.
///
/// `devices.id` and `sensor_types.id` arrive as text from libpq; parsing them once into this form lets the
/// ingest path hash and encode ids without touching strings.
public struct PackedUUID: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The first 8 bytes, big-endian (as `BinaryCopyEncoder.writeUUID(high:low:)` expects).
    public var high: UInt64
    /// The last 8 bytes, big-endian.
    public var low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Parses the canonical 8-4-4-4-12 hex form, any case; nil for anything else (no allocation).
    public init?(_ text: some StringProtocol) {
        let utf8 = text.utf8
        guard utf8.count == 36 else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        var digits = 0
        var position = 0
        for byte in utf8 {
            defer { position += 1 }
            if position == 8 || position == 13 || position == 18 || position == 23 {
                guard byte == UInt8(ascii: "-") else { return nil }
                continue
            }
            guard let value = PackedUUID.hexValue(byte) else { return nil }
            if digits < 16 { high = high << 4 | UInt64(value) } else { low = low << 4 | UInt64(value) }
            digits += 1
        }
        self.init(high: high, low: low)
    }

    /// `(high, low)`, for `BinaryCopyEncoder.writeUUID(_:)`.
    public var halves: (UInt64, UInt64) { (high, low) }

    /// The 16 bytes in network order.
    public var bytes: [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: high >> (56 - 8 * $0)) }
            + (0..<8).map { UInt8(truncatingIfNeeded: low >> (56 - 8 * $0)) }
    }

    /// Lowercase canonical text, as PostgreSQL prints a uuid (what SQL parameters and logs use).
    public var string: String {
        let hex = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(36)
        for nibble in 0..<32 {
            if nibble == 8 || nibble == 12 || nibble == 16 || nibble == 20 { out.append(UInt8(ascii: "-")) }
            let half = nibble < 16 ? high : low
            let shift = UInt64(60 - 4 * (nibble % 16))
            out.append(hex[Int((half >> shift) & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    public var description: String { string }

    public static func < (a: PackedUUID, b: PackedUUID) -> Bool { (a.high, a.low) < (b.high, b.low) }

    @inline(__always)
    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte &- UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte &- UInt8(ascii: "a") &+ 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte &- UInt8(ascii: "A") &+ 10
        default: nil
        }
    }
}
