/// A `devices/{d}/heartbeat` payload: empty, or `{"uptime_s":1234,"firmware":"1.4.2","rssi":-61}`.
///
/// All fields are optional and `null` counts as absent; unknown fields are ignored. A malformed
/// payload is reported as such, but the heartbeat itself still happened: the caller decides.
public struct HeartbeatPayload: Sendable, Hashable {
    /// Seconds since the device booted (rounded to whole seconds).
    public var uptimeSeconds: Int64?
    /// The firmware version, at most 50 characters (`devices.firmware_version VARCHAR(50)`).
    public var firmware: String?
    /// Received signal strength in dBm (rounded).
    public var rssi: Int?

    public init(uptimeSeconds: Int64? = nil, firmware: String? = nil, rssi: Int? = nil) {
        self.uptimeSeconds = uptimeSeconds
        self.firmware = firmware
        self.rssi = rssi
    }

    /// Decodes a heartbeat; failures carry reason `malformed_payload` and a detail.
    public static func decode(_ payload: UnsafeRawBufferPointer, maxDepth: Int = 32) -> Result<HeartbeatPayload, ReadingReject> {
        var cursor = JSONCursor(payload)
        cursor.skipWhitespace()
        if cursor.atEnd { return .success(HeartbeatPayload()) }
        var result = HeartbeatPayload()
        do throws(HeartbeatError) {
            guard cursor.peek() == UInt8(ascii: "{") else { throw .shape("heartbeat is not a JSON object") }
            cursor.pos += 1
            cursor.skipWhitespace()
            if cursor.peek() == UInt8(ascii: "}") {
                cursor.pos += 1
            } else {
                repeat {
                    cursor.skipWhitespace()
                    let key = try syntax { () throws(JSONSyntaxError) in try cursor.scanString() }
                    try syntax { () throws(JSONSyntaxError) in try cursor.expect(UInt8(ascii: ":"), "expected ':'") }
                    cursor.skipWhitespace()
                    let name = UnsafeRawBufferPointer(rebasing: payload[key.start..<key.end])
                    let isNull = cursor.consumeLiteral("null")
                    if isNull {
                        // absent
                    } else if !key.hasEscapes && name.count == 8 && TelemetryParser.equals(name, "uptime_s") {
                        let n = try number(&cursor, "uptime_s")
                        guard !n.negative, let v = n.scaled(by: 0) else { throw .shape("uptime_s is negative or too large") }
                        result.uptimeSeconds = v
                    } else if !key.hasEscapes && name.count == 4 && TelemetryParser.equals(name, "rssi") {
                        let n = try number(&cursor, "rssi")
                        guard let v = n.scaled(by: 0), v.magnitude <= 1_000 else { throw .shape("rssi is out of range") }
                        result.rssi = Int(v)
                    } else if !key.hasEscapes && name.count == 8 && TelemetryParser.equals(name, "firmware") {
                        guard cursor.peek() == UInt8(ascii: "\"") else { throw .shape("firmware is not a string") }
                        let s = try syntax { () throws(JSONSyntaxError) in try cursor.scanString() }
                        var bytes: [UInt8] = []
                        cursor.unescape(s, into: &bytes)
                        let firmware = String(decoding: bytes, as: UTF8.self)
                        guard !firmware.isEmpty, firmware.count <= 50 else { throw .shape("firmware is empty or longer than 50 characters") }
                        result.firmware = firmware
                    } else {
                        try syntax { () throws(JSONSyntaxError) in try cursor.skipValue(depth: 2, maxDepth: maxDepth) }
                    }
                } while try syntax({ () throws(JSONSyntaxError) in
                    try cursor.nextSeparator(close: UInt8(ascii: "}"), "expected ',' or '}'")
                })
            }
            cursor.skipWhitespace()
            guard cursor.atEnd else { throw .syntax(cursor.fail("trailing characters after the JSON value")) }
            return .success(result)
        } catch {
            switch error {
            case .syntax(let e): return .failure(ReadingReject(reason: .malformedPayload, detail: e.detail))
            case .shape(let detail): return .failure(ReadingReject(reason: .malformedPayload, detail: detail))
            }
        }
    }

    /// Convenience for `[UInt8]` payloads.
    public static func decode(_ payload: [UInt8]) -> Result<HeartbeatPayload, ReadingReject> {
        payload.withUnsafeBytes { decode($0) }
    }

    private enum HeartbeatError: Error {
        case syntax(JSONSyntaxError)
        case shape(String)
    }

    private static func syntax<T>(_ body: () throws(JSONSyntaxError) -> T) throws(HeartbeatError) -> T {
        do { return try body() } catch { throw .syntax(error) }
    }

    private static func number(_ cursor: inout JSONCursor, _ field: String) throws(HeartbeatError) -> JSONNumber {
        let b = cursor.peek()
        guard b == UInt8(ascii: "-") || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) else {
            throw .shape("\(field) is not a number")
        }
        return try syntax { () throws(JSONSyntaxError) in try cursor.scanNumber() }
    }
}
