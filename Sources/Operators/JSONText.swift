/// Minimal JSON writing for the gateway's own payloads (fixed shapes, no reflection); shared by
/// the modules that build operator and device payloads, not part of the public API.
package enum JSONText {
    /// `value` as a JSON string literal, quotes included; control characters escaped as RFC 8259 requires.
    package static func string(_ value: String) -> String {
        var out = "\""
        out.reserveCapacity(value.utf8.count + 2)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    package static func stringOrNull(_ value: String?) -> String {
        value.map(string) ?? "null"
    }
}
