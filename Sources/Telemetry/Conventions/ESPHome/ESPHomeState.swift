/// An ESPHome state payload: a number (`21.50`, `-3`), `ON`/`OFF` (binary sensors; 1/0), with
/// optional surrounding whitespace.
enum ESPHomeState {
    /// The value × 10⁴, or why it cannot be stored. `nan` (any case and sign) is what ESPHome
    /// publishes while a sensor has no reading: `malformed_payload`, not a number out of range.
    static func decode(_ payload: UnsafeRawBufferPointer) -> Result<Int64, ReadingReject> {
        var start = 0, end = payload.count
        while start < end, isWhitespace(payload[start]) { start += 1 }
        while end > start, isWhitespace(payload[end - 1]) { end -= 1 }
        let text = UnsafeRawBufferPointer(rebasing: payload[start..<end])
        let unsigned = !text.isEmpty && (text[0] == UInt8(ascii: "-") || text[0] == UInt8(ascii: "+"))
            ? UnsafeRawBufferPointer(rebasing: text[1...]) : text
        if SensorName.equalsIgnoringCase(unsigned, "nan") {
            return .failure(ReadingReject(
                reason: .malformedPayload, detail: "value \(snippet(text)) is not a number (ESPHome sends nan while the sensor has no reading)"))
        }
        return TelemetryDecoder.decodeBareValue(text)
    }
}
