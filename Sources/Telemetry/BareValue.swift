/// Bare values on `devices/{d}/sensors/{s}` (contract §3): `21.5`, `-3`, `1e3`, `true`/`false`,
/// `on`/`off` in any case (ESPHome sends `ON`), surrounded by optional whitespace.
extension TelemetryDecoder {
    /// The value × 10⁴ (rounded half away from zero), or why it cannot be stored.
    ///
    /// `nan`/`inf`/`infinity` in any case, with an optional sign (ESPHome publishes `nan` for a
    /// sensor without a reading), are `value_out_of_range`, like numbers beyond DECIMAL(15,4).
    public static func decodeBareValue(_ payload: UnsafeRawBufferPointer) -> Result<Int64, ReadingReject> {
        var start = 0, end = payload.count
        while start < end, isWhitespace(payload[start]) { start += 1 }
        while end > start, isWhitespace(payload[end - 1]) { end -= 1 }
        let text = UnsafeRawBufferPointer(rebasing: payload[start..<end])
        if text.isEmpty {
            return .failure(ReadingReject(reason: .malformedPayload, detail: "empty payload"))
        }
        if SensorName.equalsIgnoringCase(text, "true") || SensorName.equalsIgnoringCase(text, "on") { return .success(10_000) }
        if SensorName.equalsIgnoringCase(text, "false") || SensorName.equalsIgnoringCase(text, "off") { return .success(0) }
        var cursor = JSONCursor(text)
        let number = try? cursor.scanNumber()
        if let number, cursor.atEnd {
            if let v = number.scaled(by: 4), v.magnitude <= maxScaledMagnitude { return .success(v) }
            return .failure(ReadingReject(reason: .valueOutOfRange, detail: "value \(snippet(text)) does not fit DECIMAL(15,4)"))
        }
        let unsigned = text[0] == UInt8(ascii: "-") || text[0] == UInt8(ascii: "+")
            ? UnsafeRawBufferPointer(rebasing: text[1...]) : text
        for word in ["nan", "inf", "infinity"] where SensorName.equalsIgnoringCase(unsigned, word) {
            return .failure(ReadingReject(reason: .valueOutOfRange, detail: "value \(snippet(text)) is not a finite number"))
        }
        return .failure(ReadingReject(
            reason: .malformedPayload, detail: "value \(snippet(text)) is not a number, true/false or on/off"))
    }

    /// Decodes a `devices/{d}/sensors/{sensor}` payload into `message` as one reading stamped with
    /// the receive time (its name copied into `scratch`), or one reject.
    public func decodeSensorValue(_ payload: UnsafeRawBufferPointer, sensor: Substring, receivedAtMicros: Int64,
                                  into message: inout DecodedMessage) {
        message.removeAll(keepingCapacity: true)
        message.appendBareValue(Self.decodeBareValue(payload), sensor: sensor, receivedAtMicros: receivedAtMicros, mapped: false)
    }

    /// Convenience for `[UInt8]` payloads.
    public static func decodeBareValue(_ payload: [UInt8]) -> Result<Int64, ReadingReject> {
        payload.withUnsafeBytes { decodeBareValue($0) }
    }
}

extension DecodedMessage {
    /// One bare value of `sensor` (named by the topic) at the receive time, its name copied into
    /// `scratch` (and offered to the device's `sensor_map` when `mapped`), or its reject.
    mutating func appendBareValue(_ value: Result<Int64, ReadingReject>, sensor: Substring, receivedAtMicros: Int64, mapped: Bool) {
        switch value {
        case .success(let v):
            let start = scratch.count
            scratch.append(contentsOf: sensor.utf8)
            let name = ByteRef(storage: .scratch, start: start, count: scratch.count - start)
            readings.append(DecodedReading(sensor: name, scaledValue: v, timestampMicros: receivedAtMicros, mapKey: mapped ? name : nil))
        case .failure(var reject):
            reject.sensor = String(sensor)
            reject.detail = "sensor \"\(sensor)\": " + reject.detail
            rejects.append(reject)
        }
    }
}

/// Up to 40 bytes of text, quoted, for a reject's detail.
func snippet(_ text: UnsafeRawBufferPointer) -> String {
    let cut = min(text.count, 40)
    return "\"" + String(decoding: UnsafeRawBufferPointer(rebasing: text[..<cut]), as: UTF8.self)
        + (cut < text.count ? "…\"" : "\"")
}
