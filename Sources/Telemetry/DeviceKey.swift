/// Recognises the forms a `{device}` key can take (contract §3: serial number, else MAC address
/// case-insensitively with or without colons, else UUID `id`).
///
/// Lookups then compare normalised forms: the caller normalises `devices.mac_address` the same
/// way when it builds its cache, so `AA:BB:CC:DD:EE:FF` and `aabbccddeeff` find the same row.
public enum DeviceKey {
    /// The key as 12 lowercase hex digits if it is a MAC address (`AA:BB:CC:DD:EE:FF` or
    /// `aabbccddeeff`, any case), else nil. Colons must be all present or all absent.
    public static func normalizedMAC(_ key: some StringProtocol) -> String? {
        let utf8 = key.utf8
        let n = utf8.count
        guard n == 12 || n == 17 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(12)
        var i = 0
        for b in utf8 {
            if n == 17 && i % 3 == 2 {
                guard b == UInt8(ascii: ":") else { return nil }
            } else {
                guard hexValue(b) != nil else { return nil }
                out.append(b &- UInt8(ascii: "A") < 26 ? b | 0x20 : b)
            }
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// True if the key is a UUID in its canonical 8-4-4-4-12 hex form (any case), i.e. can be
    /// compared with `devices.id` / `users.id` without PostgreSQL rejecting the cast.
    public static func isUUID(_ key: some StringProtocol) -> Bool {
        let utf8 = key.utf8
        guard utf8.count == 36 else { return false }
        var i = 0
        for b in utf8 {
            if i == 8 || i == 13 || i == 18 || i == 23 {
                guard b == UInt8(ascii: "-") else { return false }
            } else {
                guard hexValue(b) != nil else { return false }
            }
            i += 1
        }
        return true
    }

    /// The UUID in lowercase canonical form, or nil if the key is not one.
    public static func normalizedUUID(_ key: some StringProtocol) -> String? {
        guard isUUID(key) else { return nil }
        return String(key).lowercased()
    }
}
