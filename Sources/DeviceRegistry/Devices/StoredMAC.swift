/// A device's `mac_address` as stored, in 9 bytes when it is spelled one of the usual ways.
///
/// A 17-character MAC text is a heap allocation of its own (64 bytes with malloc's overhead), kept
/// once per device: 6 MiB at 100,000 devices. The usual spellings — 12 hex digits, or six pairs
/// joined by colons, in one case — are rebuilt exactly from the 48-bit value and the spelling, so
/// only the rare odd text (mixed case, not a MAC at all) is kept as it was stored.
enum StoredMAC: Sendable, Hashable {
    case none
    case packed(UInt64, Spelling)
    case text(String)

    enum Spelling: UInt8, Sendable, Hashable {
        case lowerColons, upperColons, lowerPlain, upperPlain
    }

    init(_ text: String?) {
        guard let text else { self = .none; return }
        guard let value = MACAddress.value(text) else { self = .text(text); return }
        var lower = false
        var upper = false
        for byte in text.utf8 {
            if byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f") { lower = true }
            if byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "F") { upper = true }
        }
        if lower && upper { self = .text(text); return }
        let colons = text.utf8.count == 17
        self = .packed(value, colons ? (upper ? .upperColons : .lowerColons) : (upper ? .upperPlain : .lowerPlain))
    }

    /// The text as stored.
    var text: String? {
        switch self {
        case .none: return nil
        case .text(let text): return text
        case .packed(let value, let spelling):
            let digits = Array((spelling == .upperColons || spelling == .upperPlain ? "0123456789ABCDEF" : "0123456789abcdef").utf8)
            let colons = spelling == .lowerColons || spelling == .upperColons
            var out: [UInt8] = []
            out.reserveCapacity(17)
            for pair in 0..<6 {
                if colons && pair > 0 { out.append(UInt8(ascii: ":")) }
                let byte = Int((value >> UInt64(40 - 8 * pair)) & 0xFF)
                out.append(digits[byte >> 4])
                out.append(digits[byte & 0xF])
            }
            return String(decoding: out, as: UTF8.self)
        }
    }

    /// The normalised value lookups compare, when the text is a MAC.
    var value: UInt64? {
        switch self {
        case .none: return nil
        case .packed(let value, _): return value
        case .text(let text): return MACAddress.value(text)
        }
    }

    /// Absent or empty: not a topic key (see `DeviceRecord.publishKey`).
    var isEmpty: Bool {
        switch self {
        case .none: return true
        case .packed: return false
        case .text(let text): return text.isEmpty
        }
    }
}
