/// `tele/{device}/STATE`: `{"Time":"…","Uptime":"0T01:02:03","UptimeSec":3723,…,"Wifi":{"RSSI":78,"Signal":-61,…}}`.
///
/// A heartbeat: `UptimeSec` is the uptime; the heartbeat's `rssi` (dBm) is `Wifi.Signal`, because
/// Tasmota's `Wifi.RSSI` is a 0–100 link quality, not dBm. Everything else is ignored; a payload
/// that is not a JSON object is `malformed_payload` (the heartbeat itself still counts).
enum TasmotaState {
    static func decode(_ payload: UnsafeRawBufferPointer, maxDepth: Int = 32) -> Result<HeartbeatPayload, ReadingReject> {
        var cursor = JSONCursor(payload)
        var result = HeartbeatPayload()
        do throws(JSONSyntaxError) {
            cursor.skipWhitespace()
            guard cursor.peek() == UInt8(ascii: "{") else {
                return .failure(ReadingReject(reason: .malformedPayload, detail: "STATE is not a JSON object"))
            }
            try members(&cursor, depth: 1, maxDepth: maxDepth) { cursor, name, depth throws(JSONSyntaxError) in
                if depth == 1 && TelemetryParser.equalsName(name, "UptimeSec") {
                    let n = try number(&cursor)
                    if let n, !n.negative, let v = n.scaled(by: 0) { result.uptimeSeconds = v }
                } else if depth == 1 && TelemetryParser.equalsName(name, "Wifi") && cursor.peek() == UInt8(ascii: "{") {
                    try members(&cursor, depth: 2, maxDepth: maxDepth) { cursor, name, depth throws(JSONSyntaxError) in
                        if TelemetryParser.equalsName(name, "Signal"), let n = try number(&cursor),
                           let v = n.scaled(by: 0), v.magnitude <= 1_000 {
                            result.rssi = Int(v)
                        } else {
                            try cursor.skipValue(depth: depth + 1, maxDepth: maxDepth)
                        }
                    }
                } else {
                    try cursor.skipValue(depth: depth + 1, maxDepth: maxDepth)
                }
            }
            cursor.skipWhitespace()
            guard cursor.atEnd else { throw cursor.fail("trailing characters after the JSON value") }
        } catch {
            return .failure(ReadingReject(reason: .malformedPayload, detail: error.detail))
        }
        return .success(result)
    }

    /// Walks an object's members, calling `body` positioned at each value (which it must consume).
    private static func members(
        _ cursor: inout JSONCursor, depth: Int, maxDepth: Int,
        _ body: (inout JSONCursor, UnsafeRawBufferPointer, Int) throws(JSONSyntaxError) -> Void
    ) throws(JSONSyntaxError) {
        guard depth <= maxDepth else { throw cursor.fail("nesting deeper than the limit") }
        cursor.pos += 1
        cursor.skipWhitespace()
        if cursor.peek() == UInt8(ascii: "}") { cursor.pos += 1; return }
        repeat {
            cursor.skipWhitespace()
            let key = try cursor.scanString()
            try cursor.expect(UInt8(ascii: ":"), "expected ':'")
            cursor.skipWhitespace()
            // Escaped names are none of the fields read here: an empty name skips them.
            let name = key.hasEscapes ? UnsafeRawBufferPointer(start: nil, count: 0)
                : UnsafeRawBufferPointer(rebasing: cursor.bytes[key.start..<key.end])
            try body(&cursor, name, depth)
        } while try cursor.nextSeparator(close: UInt8(ascii: "}"), "expected ',' or '}'")
    }

    /// A number at the cursor, or nil (the value skipped) when it is something else.
    private static func number(_ cursor: inout JSONCursor) throws(JSONSyntaxError) -> JSONNumber? {
        let b = cursor.peek()
        guard b == UInt8(ascii: "-") || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) else {
            try cursor.skipValue(depth: 2, maxDepth: 32)
            return nil
        }
        return try cursor.scanNumber()
    }
}

extension TelemetryParser {
    /// `name` equals the ASCII `literal` exactly.
    static func equalsName(_ name: UnsafeRawBufferPointer, _ literal: StaticString) -> Bool {
        name.count == literal.utf8CodeUnitCount && equals(name, literal)
    }
}
