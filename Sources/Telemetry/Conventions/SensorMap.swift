/// A device's `configuration.sensor_map`: names its firmware gives readings (ESPHome object ids,
/// Tasmota paths such as `AM2301.Temperature`) → `sensor_types.name`.
///
/// Keys match case-insensitively (ASCII), like sensor names. Maps are small (a device's sensors), so
/// a lookup is a scan that compares bytes: no hashing, no allocation.
public struct SensorMap: Sendable, Hashable {
    public struct Entry: Sendable, Hashable {
        public var key: [UInt8]
        /// The sensor type's name, UTF-8.
        public var sensorType: [UInt8]
    }

    public private(set) var entries: [Entry]

    public init(_ pairs: [(String, String)]) {
        entries = pairs.map { Entry(key: Array($0.0.utf8), sensorType: Array($0.1.utf8)) }
    }

    /// The sensor type `key` is mapped to (its UTF-8 bytes), or nil.
    public func sensorType(for key: UnsafeRawBufferPointer) -> [UInt8]? {
        for entry in entries where entry.key.count == key.count {
            let equal = entry.key.withUnsafeBytes { SensorName.equalsIgnoringCase($0, key) }
            if equal { return entry.sensorType }
        }
        return nil
    }

    public func sensorType(for key: String) -> String? {
        var key = key
        return key.withUTF8 { sensorType(for: UnsafeRawBufferPointer($0)) }.map { String(decoding: $0, as: UTF8.self) }
    }

    /// Parses the JSON text of `configuration->'sensor_map'`: an object whose values are non-empty strings.
    /// Nil JSON (no map) is nil; anything else that is not such an object fails with a reason.
    public static func parse(json: String?) -> Result<SensorMap, ReadingReject>? {
        guard var json, json != "null" else { return nil }
        return json.withUTF8 { parse(UnsafeRawBufferPointer($0)) }
    }

    static func parse(_ bytes: UnsafeRawBufferPointer) -> Result<SensorMap, ReadingReject> {
        var cursor = JSONCursor(bytes)
        var pairs: [(String, String)] = []
        func text(_ s: JSONString) -> String {
            var out: [UInt8] = []
            cursor.unescape(s, into: &out)
            return String(decoding: out, as: UTF8.self)
        }
        func failure(_ detail: String) -> Result<SensorMap, ReadingReject> {
            .failure(ReadingReject(reason: .malformedPayload, detail: "configuration.sensor_map " + detail))
        }
        do throws(JSONSyntaxError) {
            cursor.skipWhitespace()
            guard cursor.peek() == UInt8(ascii: "{") else {
                return failure("is not a JSON object of \"name\": \"sensor type\" pairs")
            }
            cursor.pos += 1
            cursor.skipWhitespace()
            if cursor.peek() == UInt8(ascii: "}") { return .success(SensorMap([])) }
            repeat {
                cursor.skipWhitespace()
                let key = text(try cursor.scanString())
                try cursor.expect(UInt8(ascii: ":"), "expected ':'")
                cursor.skipWhitespace()
                guard cursor.peek() == UInt8(ascii: "\"") else {
                    return failure("\"\(key)\" is not mapped to a string (a sensor_types name)")
                }
                let value = text(try cursor.scanString())
                guard !value.isEmpty, !key.isEmpty else { return failure("has an empty name or sensor type") }
                pairs.append((key, value))
            } while try cursor.nextSeparator(close: UInt8(ascii: "}"), "expected ',' or '}'")
        } catch {
            return failure("is not valid JSON: \(error.detail)")
        }
        return .success(SensorMap(pairs))
    }
}
