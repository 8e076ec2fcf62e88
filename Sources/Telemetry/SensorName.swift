/// Case-insensitive sensor-name matching (contract §3: a sensor name is a `sensor_types.name`,
/// case-insensitive) without allocating: compare and hash raw UTF-8 with ASCII case folding.
///
/// Only ASCII letters are folded; other bytes must match exactly. Sensor type names are ASCII
/// identifiers in practice, and folding bytes keeps the hot path free of Unicode tables.
public enum SensorName {
    /// True if `a` and `b` are equal ignoring ASCII case.
    @inlinable
    public static func equalsIgnoringCase(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        guard a.count == b.count else { return false }
        for i in 0..<a.count where asciiLower(a[i]) != asciiLower(b[i]) { return false }
        return true
    }

    /// True if `bytes` equals `name` ignoring ASCII case (no allocation for native strings).
    @inlinable
    public static func equalsIgnoringCase(_ bytes: UnsafeRawBufferPointer, _ name: String) -> Bool {
        guard bytes.count == name.utf8.count else { return false }
        var i = 0
        for c in name.utf8 {
            if asciiLower(c) != asciiLower(bytes[i]) { return false }
            i += 1
        }
        return true
    }

    /// FNV-1a over the ASCII-lowercased bytes: equal for names that ``equalsIgnoringCase(_:_:)-(UnsafeRawBufferPointer,UnsafeRawBufferPointer)``
    /// considers equal, so a lookup table can be keyed on it and confirmed with that comparison.
    @inlinable
    public static func caseInsensitiveHash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes {
            h ^= UInt64(asciiLower(b))
            h = h &* 0x0000_0100_0000_01b3
        }
        return h
    }

    /// The same hash for a `String` (to build the table from `sensor_types.name`).
    public static func caseInsensitiveHash(_ name: String) -> UInt64 {
        var copy = name
        return copy.withUTF8 { caseInsensitiveHash(UnsafeRawBufferPointer($0)) }
    }

    @inlinable @inline(__always)
    static func asciiLower(_ b: UInt8) -> UInt8 {
        b &- UInt8(ascii: "A") < 26 ? b | 0x20 : b
    }
}
