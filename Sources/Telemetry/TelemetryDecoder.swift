/// Decodes what devices publish (contract §3) into a reusable ``DecodedMessage``: pure, no I/O.
///
/// Built for the ingest hot path: one pass over the payload bytes, no Foundation, and no
/// allocation once the sink's buffers have grown (names and metadata are byte ranges into the
/// payload). Each reading is validated on its own, so one bad value never costs the others;
/// only a payload that is not JSON at all (or nests deeper than ``maxDepth``) is rejected whole.
public struct TelemetryDecoder: Sendable {
    /// Deepest nesting of objects and arrays accepted (the top-level value is depth 1).
    public let maxDepth: Int
    /// A reading's ts later than receive time + this is replaced (contract: 5 minutes).
    public let futureToleranceMicros: Int64

    public init(maxDepth: Int = 32, futureToleranceMicros: Int64 = 300_000_000) {
        precondition(maxDepth >= 1 && maxDepth <= 1024, "maxDepth must be in 1...1024 (it bounds recursion)")
        self.maxDepth = maxDepth
        self.futureToleranceMicros = futureToleranceMicros
    }

    /// Decodes a `devices/{d}/telemetry` payload (forms A, B, C, or an array of them).
    ///
    /// `message` is emptied first (keeping capacity). Afterwards every reading in it is valid:
    /// ts resolved and within range, value fits DECIMAL(15,4). Everything else is in `rejects`.
    /// - Parameters:
    ///   - receivedAtMicros: the gateway's receive time; the ts of readings that carry none.
    ///   - retentionCutoffMicros: readings older than this are `timestamp_out_of_range`
    ///     (the oldest partition kept); 2000-01-01 is always enforced.
    public func decode(_ payload: UnsafeRawBufferPointer, receivedAtMicros: Int64,
                       retentionCutoffMicros: Int64? = nil, into message: inout DecodedMessage) {
        message.removeAll(keepingCapacity: true)
        var parser = TelemetryParser(
            cursor: JSONCursor(payload), maxDepth: maxDepth, receivedAt: receivedAtMicros,
            futureLimit: receivedAtMicros &+ futureToleranceMicros,
            retentionCutoff: retentionCutoffMicros)
        swap(&parser.out, &message)
        parser.parseMessage()
        swap(&parser.out, &message)
    }

    /// Convenience for `[UInt8]` payloads; see ``decode(_:receivedAtMicros:retentionCutoffMicros:into:)-(UnsafeRawBufferPointer,_,_,_)``.
    public func decode(_ payload: [UInt8], receivedAtMicros: Int64, retentionCutoffMicros: Int64? = nil,
                       into message: inout DecodedMessage) {
        payload.withUnsafeBytes {
            decode($0, receivedAtMicros: receivedAtMicros, retentionCutoffMicros: retentionCutoffMicros, into: &message)
        }
    }
}

/// The state of one decode: cursor, sink and the per-call limits.
struct TelemetryParser {
    var cursor: JSONCursor
    var out = DecodedMessage()
    let maxDepth: Int
    let receivedAt: Int64
    let futureLimit: Int64
    let retentionCutoff: Int64?

    init(cursor: JSONCursor, maxDepth: Int, receivedAt: Int64, futureLimit: Int64, retentionCutoff: Int64?) {
        self.cursor = cursor
        self.maxDepth = maxDepth
        self.receivedAt = receivedAt
        self.futureLimit = futureLimit
        self.retentionCutoff = retentionCutoff
    }

    var payload: UnsafeRawBufferPointer { cursor.bytes }

    // MARK: Message level

    mutating func parseMessage() {
        cursor.skipWhitespace()
        if cursor.atEnd {
            out.rejects.append(ReadingReject(reason: .malformedPayload, detail: "empty payload"))
            return
        }
        do throws(JSONSyntaxError) {
            switch cursor.peek() {
            case UInt8(ascii: "{"):
                try parseMessageObject(depth: 1)
            case UInt8(ascii: "["):
                cursor.pos += 1
                cursor.skipWhitespace()
                if cursor.peek() == UInt8(ascii: "]") {
                    cursor.pos += 1
                } else {
                    var index = 0
                    repeat {
                        cursor.skipWhitespace()
                        if cursor.peek() == UInt8(ascii: "{") {
                            try parseMessageObject(depth: 2)
                        } else {
                            try cursor.skipValue(depth: 2, maxDepth: maxDepth)
                            out.rejects.append(ReadingReject(
                                reason: .malformedPayload, detail: "element \(index) of the array is not an object"))
                        }
                        index += 1
                    } while try cursor.nextSeparator(close: UInt8(ascii: "]"), "expected ',' or ']'")
                }
            default:
                // Valid JSON of the wrong shape, or not JSON: either way not a telemetry message.
                let start = cursor.pos
                try cursor.skipValue(depth: 1, maxDepth: maxDepth)
                cursor.skipWhitespace()
                guard cursor.atEnd else { throw cursor.fail("trailing characters after the JSON value") }
                out.rejects.append(ReadingReject(
                    reason: .malformedPayload,
                    detail: "expected a JSON object or array, got \(snippet(start, cursor.pos))"))
                return
            }
            cursor.skipWhitespace()
            guard cursor.atEnd else { throw cursor.fail("trailing characters after the JSON value") }
        } catch {
            return rejectWhole(error.detail)
        }
        if out.readings.isEmpty && out.rejects.isEmpty {
            out.rejects.append(ReadingReject(reason: .malformedPayload, detail: "no readings in the message"))
        }
    }

    /// The whole message is `malformed_payload` (not JSON, too deep): whatever it produced so far is dropped.
    mutating func rejectWhole(_ detail: String) {
        out.readings.removeAll(keepingCapacity: true)
        out.rejects.removeAll(keepingCapacity: true)
        out.rejects.append(ReadingReject(reason: .malformedPayload, detail: detail))
    }

    /// One message object: form A or B when it has `readings` (object or array), else form C.
    ///
    /// Keys may come in any order, so form C is assumed until a structured `readings` appears;
    /// then whatever the object produced so far is dropped and its other keys are ignored.
    mutating func parseMessageObject(depth: Int) throws(JSONSyntaxError) {
        guard depth <= maxDepth else { throw cursor.fail("nesting deeper than the limit") }
        cursor.pos += 1  // '{'
        let readingStart = out.readings.count
        let rejectStart = out.rejects.count
        var structured = false
        var messageTs = TimestampField.absent
        cursor.skipWhitespace()
        if cursor.peek() == UInt8(ascii: "}") {
            cursor.pos += 1
            return
        }
        repeat {
            cursor.skipWhitespace()
            let key = try cursor.scanString()
            try cursor.expect(UInt8(ascii: ":"), "expected ':'")
            cursor.skipWhitespace()
            let kind = classify(key)
            let next = cursor.peek()
            if kind == .ts {
                messageTs = try parseTimestamp(depth: depth + 1)
            } else if kind == .readings && (next == UInt8(ascii: "{") || next == UInt8(ascii: "[")) {
                if !structured {
                    structured = true
                    out.readings.removeLast(out.readings.count - readingStart)
                    out.rejects.removeLast(out.rejects.count - rejectStart)
                }
                if next == UInt8(ascii: "{") {
                    try parseReadingsObject(depth: depth + 1)
                } else {
                    try parseReadingsArray(depth: depth + 1)
                }
            } else if structured {
                try cursor.skipValue(depth: depth + 1, maxDepth: maxDepth)
            } else {
                try parseNamedValue(name: key, depth: depth + 1)
            }
        } while try cursor.nextSeparator(close: UInt8(ascii: "}"), "expected ',' or '}'")
        finish(from: readingStart, messageTs: messageTs)
    }

    /// Form A's `readings` object: `{"temperature": 21.5, …}`.
    mutating func parseReadingsObject(depth: Int) throws(JSONSyntaxError) {
        guard depth <= maxDepth else { throw cursor.fail("nesting deeper than the limit") }
        cursor.pos += 1
        cursor.skipWhitespace()
        if cursor.peek() == UInt8(ascii: "}") { cursor.pos += 1; return }
        repeat {
            cursor.skipWhitespace()
            let key = try cursor.scanString()
            try cursor.expect(UInt8(ascii: ":"), "expected ':'")
            try parseNamedValue(name: key, depth: depth + 1)
        } while try cursor.nextSeparator(close: UInt8(ascii: "}"), "expected ',' or '}'")
    }

    /// A `"name": value` member of form A or C: a reading (ts pending) or a reject.
    mutating func parseNamedValue(name key: JSONString, depth: Int) throws(JSONSyntaxError) {
        let name = resolve(key)
        let outcome = try parseValue(depth: depth)
        if name.count == 0 {
            out.rejects.append(ReadingReject(reason: .malformedPayload, detail: "empty sensor name"))
            return
        }
        switch outcome {
        case .value(let v):
            out.readings.append(DecodedReading(
                sensor: name, scaledValue: v, timestampMicros: DecodedReading.pendingTimestamp))
        case .problem(let p):
            reject(p, sensor: name)
        }
    }

    /// Form B's `readings` array.
    mutating func parseReadingsArray(depth: Int) throws(JSONSyntaxError) {
        guard depth <= maxDepth else { throw cursor.fail("nesting deeper than the limit") }
        cursor.pos += 1
        cursor.skipWhitespace()
        if cursor.peek() == UInt8(ascii: "]") { cursor.pos += 1; return }
        var index = 0
        repeat {
            cursor.skipWhitespace()
            if cursor.peek() == UInt8(ascii: "{") {
                try parseReadingObject(depth: depth + 1, index: index)
            } else {
                try cursor.skipValue(depth: depth + 1, maxDepth: maxDepth)
                out.rejects.append(ReadingReject(reason: .malformedPayload, detail: "readings[\(index)] is not an object"))
            }
            index += 1
        } while try cursor.nextSeparator(close: UInt8(ascii: "]"), "expected ',' or ']'")
    }

    /// One form B element: `{"sensor", "value", "quality"?, "ts"?, "metadata"?}`; other keys ignored.
    mutating func parseReadingObject(depth: Int, index: Int) throws(JSONSyntaxError) {
        guard depth <= maxDepth else { throw cursor.fail("nesting deeper than the limit") }
        cursor.pos += 1
        var sensor: ByteRef?
        var value: ValueOutcome?
        var quality: ReadingQuality?
        var ts = TimestampField.absent
        var metadata: ByteRef?
        var problem: Problem?  // the first non-value problem, reported if the value is fine
        cursor.skipWhitespace()
        if cursor.peek() == UInt8(ascii: "}") {
            cursor.pos += 1
        } else {
            repeat {
                cursor.skipWhitespace()
                let key = try cursor.scanString()
                try cursor.expect(UInt8(ascii: ":"), "expected ':'")
                cursor.skipWhitespace()
                let start = cursor.pos
                switch classify(key) {
                case .sensor:
                    if cursor.peek() == UInt8(ascii: "\"") {
                        sensor = resolve(try cursor.scanString())
                    } else {
                        try cursor.skipValue(depth: depth + 1, maxDepth: maxDepth)
                        problem = problem ?? .sensorNotString(index: index)
                    }
                case .value:
                    value = try parseValue(depth: depth + 1)
                case .quality:
                    if cursor.peek() == UInt8(ascii: "\"") {
                        let s = try cursor.scanString()
                        if let q = qualityValue(s) { quality = q } else { problem = problem ?? .qualityInvalid(start: start, end: cursor.pos) }
                    } else if cursor.consumeLiteral("null") {
                        quality = nil
                    } else {
                        try cursor.skipValue(depth: depth + 1, maxDepth: maxDepth)
                        problem = problem ?? .qualityInvalid(start: start, end: cursor.pos)
                    }
                case .ts:
                    ts = try parseTimestamp(depth: depth + 1)
                case .metadata:
                    if cursor.peek() == UInt8(ascii: "{") {
                        try cursor.skipValue(depth: depth + 1, maxDepth: maxDepth)
                        metadata = ByteRef(storage: .payload, start: start, count: cursor.pos - start)
                    } else if cursor.consumeLiteral("null") {
                        metadata = nil
                    } else {
                        try cursor.skipValue(depth: depth + 1, maxDepth: maxDepth)
                        problem = problem ?? .metadataNotObject
                    }
                default:
                    try cursor.skipValue(depth: depth + 1, maxDepth: maxDepth)
                }
            } while try cursor.nextSeparator(close: UInt8(ascii: "}"), "expected ',' or '}'")
        }
        guard let sensor else {
            reject(problem ?? .sensorMissing(index: index), sensor: nil)
            return
        }
        guard sensor.count > 0 else { reject(.sensorEmpty(index: index), sensor: nil); return }
        guard let value else { reject(.valueMissing, sensor: sensor); return }
        let scaled: Int64
        switch value {
        case .problem(let p): reject(p, sensor: sensor); return
        case .value(let v): scaled = v
        }
        if let problem { reject(problem, sensor: sensor); return }
        var micros = DecodedReading.pendingTimestamp
        switch ts {
        case .absent: break
        case .micros(let t): micros = t
        case .invalid(let s, let e): reject(.tsInvalid(start: s, end: e), sensor: sensor); return
        case .unusable(let detail): reject(.timeUnusable(detail), sensor: sensor); return
        }
        out.readings.append(DecodedReading(
            sensor: sensor, scaledValue: scaled, timestampMicros: micros, quality: quality, metadata: metadata))
    }

    // MARK: Values

    enum ValueOutcome { case value(Int64), problem(Problem) }

    /// A reading's value: a number that fits DECIMAL(15,4), or a boolean (1/0).
    ///
    /// Also recognises `NaN`, `Infinity` and `-Infinity` (which JSON lacks but Python's json module
    /// and some firmware emit) so that they are `value_out_of_range` for that one reading.
    mutating func parseValue(depth: Int) throws(JSONSyntaxError) -> ValueOutcome {
        cursor.skipWhitespace()
        let start = cursor.pos
        switch cursor.peek() {
        case UInt8(ascii: "-") where cursor.byte(at: start + 1) == UInt8(ascii: "I"):
            cursor.pos += 1
            guard cursor.consumeLiteral("Infinity") else { throw cursor.fail("invalid literal") }
            return .problem(.valueNotFinite(start: start, end: cursor.pos))
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let n = try cursor.scanNumber()
            if let v = n.scaled(by: 4), v.magnitude <= maxScaledMagnitude { return .value(v) }
            return .problem(.valueOutOfRange(start: n.start, end: n.end))
        case UInt8(ascii: "t"):
            guard cursor.consumeLiteral("true") else { throw cursor.fail("invalid literal") }
            return .value(10_000)
        case UInt8(ascii: "f"):
            guard cursor.consumeLiteral("false") else { throw cursor.fail("invalid literal") }
            return .value(0)
        case UInt8(ascii: "n"):
            guard cursor.consumeLiteral("null") else { throw cursor.fail("invalid literal") }
            return .problem(.valueNull)
        case UInt8(ascii: "N"):
            guard cursor.consumeLiteral("NaN") else { throw cursor.fail("invalid literal") }
            return .problem(.valueNotFinite(start: start, end: cursor.pos))
        case UInt8(ascii: "I"):
            guard cursor.consumeLiteral("Infinity") else { throw cursor.fail("invalid literal") }
            return .problem(.valueNotFinite(start: start, end: cursor.pos))
        case UInt8(ascii: "\""):
            _ = try cursor.scanString()
            return .problem(.valueString(start: start, end: cursor.pos))
        case UInt8(ascii: "{"):
            try cursor.skipValue(depth: depth, maxDepth: maxDepth)
            return .problem(.valueObject)
        case UInt8(ascii: "["):
            try cursor.skipValue(depth: depth, maxDepth: maxDepth)
            return .problem(.valueArray)
        default:
            throw cursor.fail("expected a value")
        }
    }

    /// `unusable`: a time that cannot be placed in UTC, with the reason (cold path: a `String`).
    enum TimestampField { case absent, micros(Int64), invalid(start: Int, end: Int), unusable(String) }

    /// A `ts`: RFC 3339 string, or epoch seconds (< 1e11) / milliseconds; `null` counts as absent.
    mutating func parseTimestamp(depth: Int) throws(JSONSyntaxError) -> TimestampField {
        cursor.skipWhitespace()
        let start = cursor.pos
        switch cursor.peek() {
        case UInt8(ascii: "\""):
            let s = try cursor.scanString()
            let parsed: Int64?
            if s.hasEscapes {
                let mark = out.scratch.count
                cursor.unescape(s, into: &out.scratch)
                parsed = out.scratch.withUnsafeBytes { TelemetryTime.parseRFC3339(UnsafeRawBufferPointer(rebasing: $0[mark...])) }
                out.scratch.removeSubrange(mark...)
            } else {
                parsed = TelemetryTime.parseRFC3339(UnsafeRawBufferPointer(rebasing: payload[s.start..<s.end]))
            }
            if let parsed { return .micros(parsed) }
            return .invalid(start: start, end: cursor.pos)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let n = try cursor.scanNumber()
            // Too large for Int64 µs: saturate so the range check names it out of range.
            return .micros(TelemetryTime.micros(epoch: n) ?? (n.negative ? Int64.min + 1 : Int64.max))
        case UInt8(ascii: "n"):
            guard cursor.consumeLiteral("null") else { throw cursor.fail("invalid literal") }
            return .absent
        default:
            try cursor.skipValue(depth: depth, maxDepth: maxDepth)
            return .invalid(start: start, end: cursor.pos)
        }
    }

    func qualityValue(_ s: JSONString) -> ReadingQuality? {
        guard !s.hasEscapes else { return nil }
        let bytes = UnsafeRawBufferPointer(rebasing: payload[s.start..<s.end])
        switch bytes.count {
        case 4 where Self.equalsIgnoringCase(bytes, "good"): return .good
        case 9 where Self.equalsIgnoringCase(bytes, "uncertain"): return .uncertain
        case 3 where Self.equalsIgnoringCase(bytes, "bad"): return .bad
        default: return nil
        }
    }

    /// `b` equals the lowercase ASCII literal `s` of the same length, ignoring ASCII case.
    @inline(__always) static func equalsIgnoringCase(_ b: UnsafeRawBufferPointer, _ s: StaticString) -> Bool {
        let p = s.utf8Start
        for i in 0..<b.count where SensorName.asciiLower(b[i]) != p[i] { return false }
        return true
    }

    // MARK: Keys and names

    enum KeyKind { case ts, readings, sensor, value, quality, metadata, other }

    /// Classifies a member name; escaped names are unescaped (in scratch, then dropped) first.
    mutating func classify(_ key: JSONString) -> KeyKind {
        if !key.hasEscapes {
            return Self.classify(UnsafeRawBufferPointer(rebasing: payload[key.start..<key.end]))
        }
        let mark = out.scratch.count
        cursor.unescape(key, into: &out.scratch)
        let kind = out.scratch.withUnsafeBytes { Self.classify(UnsafeRawBufferPointer(rebasing: $0[mark...])) }
        out.scratch.removeSubrange(mark...)
        return kind
    }

    static func classify(_ b: UnsafeRawBufferPointer) -> KeyKind {
        switch b.count {
        case 2 where b[0] == UInt8(ascii: "t") && b[1] == UInt8(ascii: "s"): return .ts
        case 5 where equals(b, "value"): return .value
        case 6 where equals(b, "sensor"): return .sensor
        case 7 where equals(b, "quality"): return .quality
        case 8 where equals(b, "readings"): return .readings
        case 8 where equals(b, "metadata"): return .metadata
        default: return .other
        }
    }

    @inline(__always) static func equals(_ b: UnsafeRawBufferPointer, _ s: StaticString) -> Bool {
        let p = s.utf8Start
        for i in 0..<b.count where b[i] != p[i] { return false }
        return true
    }

    /// Where a string's content lives: the payload when unescaped, else a fresh scratch copy.
    mutating func resolve(_ s: JSONString) -> ByteRef {
        if !s.hasEscapes { return ByteRef(storage: .payload, start: s.start, count: s.end - s.start) }
        let mark = out.scratch.count
        cursor.unescape(s, into: &out.scratch)
        return ByteRef(storage: .scratch, start: mark, count: out.scratch.count - mark)
    }

    // MARK: Per-object validation

    /// Resolves pending timestamps of the readings this object added and applies the ts rules.
    mutating func finish(from readingStart: Int, messageTs: TimestampField) {
        let count = out.readings.count
        var write = readingStart
        for i in readingStart..<count {
            var reading = out.readings[i]
            var changed = false
            if reading.timestampMicros == DecodedReading.pendingTimestamp {
                switch messageTs {
                case .absent: reading.timestampMicros = receivedAt
                case .micros(let t): reading.timestampMicros = t
                case .invalid(let s, let e):
                    reject(.tsInvalid(start: s, end: e), sensor: reading.sensor)
                    continue
                case .unusable(let detail):
                    reject(.timeUnusable(detail), sensor: reading.sensor)
                    continue
                }
                changed = true
            }
            let t = reading.timestampMicros
            if t < TelemetryTime.earliestMicros {
                reject(.tsBefore2000(t), sensor: reading.sensor); continue
            }
            if t > TelemetryTime.latestMicros {
                reject(.tsAfter9999(t), sensor: reading.sensor); continue
            }
            if let cutoff = retentionCutoff, t < cutoff {
                reject(.tsBeforeRetention(t, cutoff: cutoff), sensor: reading.sensor); continue
            }
            if t > futureLimit {
                replaceFutureTimestamp(&reading)
                changed = true
            }
            if changed || write != i { out.readings[write] = reading }
            write += 1
        }
        if write < count { out.readings.removeLast(count - write) }
    }

    /// Contract: a ts too far ahead becomes the receive time, quality `uncertain`, and the original
    /// goes to `metadata.device_ts` (appended last, so it wins over a device-sent `device_ts` in jsonb).
    mutating func replaceFutureTimestamp(_ reading: inout DecodedReading) {
        let original = reading.timestampMicros
        let start = out.scratch.count
        if let m = reading.metadata {
            // Metadata refs are always payload ranges of a validated object `{ … }`.
            var end = Int(m.start) + Int(m.count) - 1  // the closing brace
            var inner = end - 1
            while inner > Int(m.start), isWhitespace(payload[inner]) { inner -= 1 }
            let empty = inner == Int(m.start)
            if empty { end = Int(m.start) + 1 }
            out.scratch.append(contentsOf: UnsafeRawBufferPointer(rebasing: payload[Int(m.start)..<(empty ? end : inner + 1)]))
            if !empty { out.scratch.append(UInt8(ascii: ",")) }
        } else {
            out.scratch.append(UInt8(ascii: "{"))
        }
        appendASCII("\"device_ts\":\"")
        TelemetryTime.appendRFC3339(original, to: &out.scratch)
        appendASCII("\"}")
        reading.metadata = ByteRef(storage: .scratch, start: start, count: out.scratch.count - start)
        reading.timestampMicros = receivedAt
        reading.quality = .uncertain
        reading.timestampReplaced = true
    }

    mutating func appendASCII(_ s: StaticString) {
        out.scratch.append(contentsOf: UnsafeRawBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    // MARK: Rejects (cold path: allocation is fine here)

    enum Problem {
        case valueString(start: Int, end: Int)
        case valueNull, valueObject, valueArray, valueMissing
        case valueOutOfRange(start: Int, end: Int)
        case valueNotFinite(start: Int, end: Int)
        case qualityInvalid(start: Int, end: Int)
        case tsInvalid(start: Int, end: Int)
        case timeUnusable(String)
        case tsBefore2000(Int64), tsAfter9999(Int64), tsBeforeRetention(Int64, cutoff: Int64)
        case metadataNotObject
        case sensorNotString(index: Int), sensorMissing(index: Int), sensorEmpty(index: Int)
    }

    mutating func reject(_ problem: Problem, sensor: ByteRef?) {
        let name = sensor.map { out.string($0, payload: payload) }
        let who = name.map { "sensor \(quote($0)): " } ?? ""
        let reason: IngestRejectReason
        let what: String
        switch problem {
        case .valueString(let s, let e): reason = .malformedPayload; what = "value \(snippet(s, e)) is a string"
        case .valueNull: reason = .malformedPayload; what = "value is null"
        case .valueObject: reason = .malformedPayload; what = "value is an object"
        case .valueArray: reason = .malformedPayload; what = "value is an array"
        case .valueMissing: reason = .malformedPayload; what = "no \"value\""
        case .valueOutOfRange(let s, let e):
            reason = .valueOutOfRange; what = "value \(snippet(s, e)) does not fit DECIMAL(15,4)"
        case .valueNotFinite(let s, let e):
            reason = .valueOutOfRange; what = "value \(snippet(s, e)) is not a finite number"
        case .qualityInvalid(let s, let e):
            reason = .malformedPayload; what = "quality \(snippet(s, e)) is not good, uncertain or bad"
        case .tsInvalid(let s, let e):
            reason = .malformedPayload; what = "ts \(snippet(s, e)) is not an RFC 3339 timestamp or epoch number"
        case .timeUnusable(let detail): reason = .malformedPayload; what = detail
        case .tsBefore2000(let t):
            reason = .timestampOutOfRange; what = "ts \(describe(t)) is before 2000-01-01T00:00:00Z"
        case .tsAfter9999(let t):
            reason = .timestampOutOfRange; what = "ts \(describe(t)) is after 9999-12-31T23:59:59Z"
        case .tsBeforeRetention(let t, let cutoff):
            reason = .timestampOutOfRange
            what = "ts \(describe(t)) is older than the retention cutoff \(describe(cutoff))"
        case .metadataNotObject: reason = .malformedPayload; what = "metadata is not an object"
        case .sensorNotString(let i): reason = .malformedPayload; what = "readings[\(i)]: \"sensor\" is not a string"
        case .sensorMissing(let i): reason = .malformedPayload; what = "readings[\(i)]: no \"sensor\""
        case .sensorEmpty(let i): reason = .malformedPayload; what = "readings[\(i)]: \"sensor\" is empty"
        }
        out.rejects.append(ReadingReject(reason: reason, detail: who + what, sensor: name))
    }

    /// Up to 40 bytes of raw payload text, for a reject's detail.
    func snippet(_ start: Int, _ end: Int) -> String {
        let cut = min(end, start + 40)
        var s = String(decoding: UnsafeRawBufferPointer(rebasing: payload[start..<cut]), as: UTF8.self)
        if cut < end { s += "…" }
        return s
    }

    func quote(_ name: String) -> String {
        name.utf8.count <= 64 ? "\"\(name)\"" : "\"\(name.prefix(64))…\""
    }

    func describe(_ t: Int64) -> String {
        // Year 0000 … 9999 can be written as RFC 3339; anything else as the raw number.
        if t >= -62_167_219_200_000_000 && t <= TelemetryTime.latestMicros { return TelemetryTime.formatRFC3339(t) }
        return "\(t) µs since the epoch"
    }
}

/// The largest |value × 10⁴| that DECIMAL(15,4) holds: 99 999 999 999.9999.
let maxScaledMagnitude: UInt64 = 999_999_999_999_999

@inline(__always) func isWhitespace(_ b: UInt8) -> Bool {
    b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09
}
