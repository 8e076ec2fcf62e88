import WallTime

/// `tele/{device}/SENSOR`: `{"Time":"2026-12-04T10:00:00","AM2301":{"Temperature":21.5,"Humidity":40.2},"TempUnit":"C"}`.
///
/// Every numeric leaf, at any depth, is one reading: its sensor is the leaf's key lower-cased
/// (`temperature`), and its ``DecodedReading/mapKey`` the dotted path (`AM2301.Temperature`) for
/// the device's `sensor_map`. Strings (`TempUnit`, a sensor's `Id`), booleans, nulls and arrays
/// are not readings and are skipped. The top-level `Time` is the device's local time: placed in
/// the device's zone (``ReadingContext/zone``) unless it carries an offset; without `Time`, the
/// receive time. Timestamp rules (2000-01-01, retention, 5 minutes ahead) are as for native readings.
extension TelemetryParser {
    mutating func parseTasmotaSensor(zone: LocalZones.Lookup) {
        cursor.skipWhitespace()
        if cursor.atEnd {
            out.rejects.append(ReadingReject(reason: .malformedPayload, detail: "empty payload"))
            return
        }
        do throws(JSONSyntaxError) {
            guard cursor.peek() == UInt8(ascii: "{") else {
                let start = cursor.pos
                try cursor.skipValue(depth: 1, maxDepth: maxDepth)
                cursor.skipWhitespace()
                guard cursor.atEnd else { throw cursor.fail("trailing characters after the JSON value") }
                out.rejects.append(ReadingReject(
                    reason: .malformedPayload, detail: "expected a JSON object, got \(snippet(start, cursor.pos))"))
                return
            }
            let time = try parseTasmotaObject(depth: 1, path: nil, zone: zone)
            cursor.skipWhitespace()
            guard cursor.atEnd else { throw cursor.fail("trailing characters after the JSON value") }
            finish(from: 0, messageTs: time)
        } catch {
            return rejectWhole(error.detail)
        }
        if out.readings.isEmpty && out.rejects.isEmpty {
            out.rejects.append(ReadingReject(reason: .malformedPayload, detail: "no numeric values in the message"))
        }
    }

    /// One object's members; returns the message time when this is the top level and has `Time`.
    private mutating func parseTasmotaObject(depth: Int, path: ByteRef?, zone: LocalZones.Lookup) throws(JSONSyntaxError) -> TimestampField {
        guard depth <= maxDepth else { throw cursor.fail("nesting deeper than the limit") }
        cursor.pos += 1  // '{'
        var time = TimestampField.absent
        cursor.skipWhitespace()
        if cursor.peek() == UInt8(ascii: "}") {
            cursor.pos += 1
            return time
        }
        repeat {
            cursor.skipWhitespace()
            let key = try cursor.scanString()
            try cursor.expect(UInt8(ascii: ":"), "expected ':'")
            cursor.skipWhitespace()
            switch cursor.peek() {
            case UInt8(ascii: "{"):
                let childPath = appendPath(path, key)
                _ = try parseTasmotaObject(depth: depth + 1, path: childPath, zone: zone)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "N"), UInt8(ascii: "I"):
                let outcome = try parseValue(depth: depth + 1)
                let mapKey = appendPath(path, key)
                let sensor = appendLowercasedLeaf(of: mapKey, leafCount: Int(mapKey.count) - (path.map { Int($0.count) + 1 } ?? 0))
                switch outcome {
                case .value(let v):
                    out.readings.append(DecodedReading(
                        sensor: sensor, scaledValue: v, timestampMicros: DecodedReading.pendingTimestamp, mapKey: mapKey))
                case .problem(let p):
                    reject(p, sensor: sensor)
                }
            case UInt8(ascii: "\"") where depth == 1 && isTime(key):
                time = try parseLocalTime(zone: zone)
            default:
                try cursor.skipValue(depth: depth + 1, maxDepth: maxDepth)
            }
        } while try cursor.nextSeparator(close: UInt8(ascii: "}"), "expected ',' or '}'")
        return time
    }

    private func isTime(_ key: JSONString) -> Bool {
        !key.hasEscapes && key.end - key.start == 4
            && Self.equals(UnsafeRawBufferPointer(rebasing: payload[key.start..<key.end]), "Time")
    }

    /// `Time`: a date-time without offset is local time in the device's zone; with one, it is absolute.
    private mutating func parseLocalTime(zone: LocalZones.Lookup) throws(JSONSyntaxError) -> TimestampField {
        let start = cursor.pos
        let s = try cursor.scanString()
        guard !s.hasEscapes,
              let (micros, hasOffset) = TelemetryTime.parseDateTime(UnsafeRawBufferPointer(rebasing: payload[s.start..<s.end]))
        else {
            return .unusable("Time \(snippet(start, cursor.pos)) is not a date-time such as 2026-12-04T10:00:00")
        }
        if hasOffset { return .micros(micros) }
        switch zone {
        case .utc: return .micros(micros)
        case .zone(let local): return .micros(local.utcMicros(fromLocal: micros))
        case .unknown(let name):
            return .unusable(
                "devices.timezone \"\(name)\" is not an IANA time zone name, so the local Time \(snippet(start, cursor.pos)) "
                + "cannot be placed in UTC; set it to the device's zone (e.g. Europe/Berlin) or UTC")
        }
    }

    /// `parent.key` (or `key` at the top) in scratch, unescaped.
    private mutating func appendPath(_ parent: ByteRef?, _ key: JSONString) -> ByteRef {
        let start = out.scratch.count
        if let parent {
            for i in parent.range { out.scratch.append(out.scratch[i]) }
            out.scratch.append(UInt8(ascii: "."))
        }
        if key.hasEscapes {
            cursor.unescape(key, into: &out.scratch)
        } else {
            out.scratch.append(contentsOf: UnsafeRawBufferPointer(rebasing: payload[key.start..<key.end]))
        }
        return ByteRef(storage: .scratch, start: start, count: out.scratch.count - start)
    }

    /// The last `leafCount` bytes of `path` (a scratch range), ASCII-lowercased, in scratch.
    private mutating func appendLowercasedLeaf(of path: ByteRef, leafCount: Int) -> ByteRef {
        let start = out.scratch.count
        let end = Int(path.start) + Int(path.count)
        for i in (end - leafCount)..<end { out.scratch.append(SensorName.asciiLower(out.scratch[i])) }
        return ByteRef(storage: .scratch, start: start, count: leafCount)
    }
}
