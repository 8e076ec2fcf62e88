/// A MAC address as a 48-bit integer, parsed without allocating.
///
/// Accepts exactly what `DeviceKey.normalizedMAC` accepts (12 hex digits, or 6 pairs joined by colons,
/// any case), so `AA:BB:CC:DD:EE:FF`, `aa:bb:cc:dd:ee:ff` and `aabbccddeeff` give one value. The ingest
/// path resolves keys with this form; `normalizedMAC` allocates a `String` per call.
enum MACAddress {
    static func value(_ key: some StringProtocol) -> UInt64? {
        let utf8 = key.utf8
        let count = utf8.count
        guard count == 12 || count == 17 else { return nil }
        var value: UInt64 = 0
        var position = 0
        for byte in utf8 {
            defer { position += 1 }
            if count == 17 && position % 3 == 2 {
                guard byte == UInt8(ascii: ":") else { return nil }
                continue
            }
            guard let digit = PackedUUID.hexValue(byte) else { return nil }
            value = value << 4 | UInt64(digit)
        }
        return value
    }
}
