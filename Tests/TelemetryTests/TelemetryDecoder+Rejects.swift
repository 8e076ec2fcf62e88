import Testing
@testable import Telemetry

@Suite struct TelemetryDecoderRejectsTests {
    /// One bad reading among good ones: the good ones survive, the bad one gets exactly this reject.
    static let perReadingCases: [(String, IngestRejectReason, String)] = [
        (#"{"temperature":"hot","ok":1}"#, .malformedPayload, #"sensor "temperature": value "hot" is a string"#),
        (#"{"t":null,"ok":1}"#, .malformedPayload, #"sensor "t": value is null"#),
        (#"{"t":{"v":1},"ok":1}"#, .malformedPayload, #"sensor "t": value is an object"#),
        (#"{"t":[1],"ok":1}"#, .malformedPayload, #"sensor "t": value is an array"#),
        (#"{"readings":{"t":"21.5","ok":1}}"#, .malformedPayload, #"sensor "t": value "21.5" is a string"#),
        (#"{"t":1e11,"ok":1}"#, .valueOutOfRange, #"sensor "t": value 1e11 does not fit DECIMAL(15,4)"#),
        (#"{"t":-100000000000,"ok":1}"#, .valueOutOfRange, #"sensor "t": value -100000000000 does not fit DECIMAL(15,4)"#),
        (#"{"t":99999999999.99995,"ok":1}"#, .valueOutOfRange, #"sensor "t": value 99999999999.99995 does not fit DECIMAL(15,4)"#),
        (#"{"t":1e400,"ok":1}"#, .valueOutOfRange, #"sensor "t": value 1e400 does not fit DECIMAL(15,4)"#),
        (#"{"t":123456789012345678901234567890,"ok":1}"#, .valueOutOfRange,
         #"sensor "t": value 123456789012345678901234567890 does not fit DECIMAL(15,4)"#),
        (#"{"t":NaN,"ok":1}"#, .valueOutOfRange, #"sensor "t": value NaN is not a finite number"#),
        (#"{"t":Infinity,"ok":1}"#, .valueOutOfRange, #"sensor "t": value Infinity is not a finite number"#),
        (#"{"t":-Infinity,"ok":1}"#, .valueOutOfRange, #"sensor "t": value -Infinity is not a finite number"#),
        (#"{"":1,"ok":1}"#, .malformedPayload, "empty sensor name"),
        (#"{"ts":"2024-05-01T11:00:00Z","readings":[{"sensor":"t","value":1,"ts":"1999-12-31T23:59:59Z"},{"sensor":"ok","value":1}]}"#,
         .timestampOutOfRange, #"sensor "t": ts 1999-12-31T23:59:59Z is before 2000-01-01T00:00:00Z"#),
        (#"{"readings":[{"sensor":"t","value":1,"ts":0},{"sensor":"ok","value":1}]}"#,
         .timestampOutOfRange, #"sensor "t": ts 1970-01-01T00:00:00Z is before 2000-01-01T00:00:00Z"#),
        (#"{"readings":[{"sensor":"t","value":1,"ts":1e30},{"sensor":"ok","value":1}]}"#,
         .timestampOutOfRange, #"sensor "t": ts 9223372036854775807 µs since the epoch is after 9999-12-31T23:59:59Z"#),
        (#"{"readings":[{"sensor":"t","value":1,"ts":"yesterday"},{"sensor":"ok","value":1}]}"#,
         .malformedPayload, #"sensor "t": ts "yesterday" is not an RFC 3339 timestamp or epoch number"#),
        (#"{"readings":[{"sensor":"t","value":1,"ts":"2024-02-30T00:00:00Z"},{"sensor":"ok","value":1}]}"#,
         .malformedPayload, #"sensor "t": ts "2024-02-30T00:00:00Z" is not an RFC 3339 timestamp or epoch number"#),
        (#"{"readings":[{"sensor":"t","value":1,"ts":true},{"sensor":"ok","value":1}]}"#,
         .malformedPayload, #"sensor "t": ts true is not an RFC 3339 timestamp or epoch number"#),
        (#"{"readings":[{"sensor":"t","value":1,"quality":"excellent"},{"sensor":"ok","value":1}]}"#,
         .malformedPayload, #"sensor "t": quality "excellent" is not good, uncertain or bad"#),
        (#"{"readings":[{"sensor":"t","value":1,"quality":3},{"sensor":"ok","value":1}]}"#,
         .malformedPayload, #"sensor "t": quality 3 is not good, uncertain or bad"#),
        (#"{"readings":[{"sensor":"t","value":1,"metadata":[1]},{"sensor":"ok","value":1}]}"#,
         .malformedPayload, #"sensor "t": metadata is not an object"#),
        (#"{"readings":[{"value":1},{"sensor":"ok","value":1}]}"#, .malformedPayload, #"readings[0]: no "sensor""#),
        (#"{"readings":[{"sensor":7,"value":1},{"sensor":"ok","value":1}]}"#, .malformedPayload, #"readings[0]: "sensor" is not a string"#),
        (#"{"readings":[{"sensor":"","value":1},{"sensor":"ok","value":1}]}"#, .malformedPayload, #"readings[0]: "sensor" is empty"#),
        (#"{"readings":[{"sensor":"t"},{"sensor":"ok","value":1}]}"#, .malformedPayload, #"sensor "t": no "value""#),
        (#"{"readings":[{"sensor":"t","value":"x"},{"sensor":"ok","value":1}]}"#, .malformedPayload, #"sensor "t": value "x" is a string"#),
        (#"{"readings":[5,{"sensor":"ok","value":1}]}"#, .malformedPayload, "readings[0] is not an object"),
        (#"[7,{"ok":1}]"#, .malformedPayload, "element 0 of the array is not an object"),
        (#"{"ts":"soon","t":1,"ok2":{"x":1}}"#, .malformedPayload, ""),  // checked separately below
    ]

    @Test(arguments: perReadingCases.dropLast())
    func rejectsOneReadingKeepsTheOthers(payload: String, reason: IngestRejectReason, detail: String) {
        let d = decode(payload)
        #expect(d.readings.map(\.sensor) == ["ok"], "\(d.rejects)")
        #expect(d.rejects.map(\.reason) == [reason])
        #expect(d.rejects.first?.detail == detail)
    }

    @Test func invalidMessageTsRejectsOnlyTheReadingsThatNeedIt() {
        let d = decode(#"{"ts":"soon","readings":[{"sensor":"a","value":1},{"sensor":"b","value":2,"ts":1714564740}]}"#)
        #expect(d.readings.map(\.sensor) == ["b"])
        #expect(d.rejects.map(\.detail) == [#"sensor "a": ts "soon" is not an RFC 3339 timestamp or epoch number"#])
    }

    @Test func rejectsCarryTheSensorName() {
        let d = decode(#"{"temperature":"hot"}"#)
        #expect(d.rejects.first?.sensor == "temperature")
        #expect(d.rejects.first?.description == #"malformed_payload: sensor "temperature": value "hot" is a string"#)
    }

    @Test func retentionCutoff() {
        let cutoff = us("2024-01-01T00:00:00Z")
        let d = decode(#"{"readings":[{"sensor":"old","value":1,"ts":"2023-12-31T23:59:59Z"},{"sensor":"edge","value":1,"ts":"2024-01-01T00:00:00Z"}]}"#,
                       retentionCutoff: cutoff)
        #expect(d.readings.map(\.sensor) == ["edge"])
        #expect(d.rejects.map(\.reason) == [.timestampOutOfRange])
        #expect(d.rejects.first?.detail == #"sensor "old": ts 2023-12-31T23:59:59Z is older than the retention cutoff 2024-01-01T00:00:00Z"#)
    }

    @Test func earliestTimestampIsInclusive() {
        let d = decode(#"{"ts":"2000-01-01T00:00:00Z","t":1}"#)
        #expect(d.readings.map(\.ts) == [TelemetryTime.earliestMicros])
        let before = decode(#"{"ts":"2000-01-01T01:59:59.999999+02:00","t":1}"#)
        #expect(before.reasons == [.timestampOutOfRange])
    }

    // MARK: The future rule

    @Test func futureTimestampIsReplaced() {
        let future = receivedAt + 300_000_001
        let d = decode(#"{"readings":[{"sensor":"t","value":1,"quality":"good","ts":\#(Double(future) / 1e6)}]}"#)
        #expect(d.readings == [Reading(sensor: "t", value: 10_000, ts: receivedAt, quality: .uncertain,
                                       metadata: #"{"device_ts":"2024-05-01T12:05:00.000001Z"}"#, replaced: true)])
        #expect(d.rejects.isEmpty)
    }

    @Test func exactlyFiveMinutesAheadIsKept() {
        let d = decode(#"{"ts":"2024-05-01T12:05:00Z","t":1}"#)
        #expect(d.readings == [Reading(sensor: "t", value: 10_000, ts: receivedAt + 300_000_000)])
    }

    static let metadataMerges: [(String, String)] = [
        ("{}", #"{"device_ts":"2030-01-01T00:00:00Z"}"#),
        ("{ \n }", #"{"device_ts":"2030-01-01T00:00:00Z"}"#),
        (#"{"unit":"C"}"#, #"{"unit":"C","device_ts":"2030-01-01T00:00:00Z"}"#),
        (#"{"a":{"b":[1,2]} }"#, #"{"a":{"b":[1,2]},"device_ts":"2030-01-01T00:00:00Z"}"#),
        // A device-sent device_ts is overridden: jsonb keeps the last duplicate key.
        (#"{"device_ts":"x"}"#, #"{"device_ts":"x","device_ts":"2030-01-01T00:00:00Z"}"#),
    ]

    @Test(arguments: metadataMerges)
    func futureTimestampMergesIntoMetadata(metadata: String, merged: String) {
        let d = decode(#"{"readings":[{"sensor":"t","value":1,"ts":"2030-01-01T02:00:00+02:00","metadata":\#(metadata)}]}"#)
        #expect(d.readings.first?.metadata == merged)
        #expect(d.readings.first?.quality == .uncertain)
        #expect(d.readings.first?.replaced == true)
    }

    @Test func futureRuleAppliesToMessageTsAndFlatForm() {
        let d = decode(#"{"a":1,"b":2,"ts":"2030-01-01T00:00:00.123Z"}"#)
        #expect(d.readings.map(\.metadata) == Array(repeating: #"{"device_ts":"2030-01-01T00:00:00.123Z"}"#, count: 2))
        #expect(d.readings.allSatisfy { $0.ts == receivedAt && $0.quality == .uncertain })
    }

    @Test func customTolerance() {
        let d = decode(#"{"ts":"2024-05-01T12:00:02Z","t":1}"#, decoder: TelemetryDecoder(futureToleranceMicros: 1_000_000))
        #expect(d.readings.first?.replaced == true)
    }

    // MARK: Whole-message rejects

    static let wholeMessageCases: [(String, String)] = [
        ("", "empty payload"),
        ("  \n", "empty payload"),
        ("hello", "invalid JSON at byte 0: expected a value"),
        (#"{"t":1"#, "invalid JSON at byte 6: expected ',' or '}'"),
        (#"{"t":1}}"#, "invalid JSON at byte 7: trailing characters after the JSON value"),
        (#"{"t":1} x"#, "invalid JSON at byte 8: trailing characters after the JSON value"),
        (#"{"t":01}"#, "invalid JSON at byte 6: leading zero in number"),
        (#"{"t":1.}"#, "invalid JSON at byte 7: expected a digit after '.'"),
        (#"{"t":.5}"#, "invalid JSON at byte 5: expected a value"),
        (#"{"t":+1}"#, "invalid JSON at byte 5: expected a value"),
        (#"{"t":tru}"#, "invalid JSON at byte 5: invalid literal"),
        (#"{t:1}"#, "invalid JSON at byte 1: expected a string"),
        (#"{"t" 1}"#, "invalid JSON at byte 5: expected ':'"),
        (#"{"t":1,}"#, "invalid JSON at byte 7: expected a string"),
        ("[1,]", "invalid JSON at byte 3: expected a value"),
        (#"{"a\x":1}"#, "invalid JSON at byte 4: invalid escape in string"),
        (#"{"a\u00":1}"#, "invalid JSON at byte 7: expected 4 hex digits after \\u"),
        (#"{"a\u0000":1}"#, "invalid JSON at byte 9: \\u0000 is not allowed (PostgreSQL text cannot hold NUL)"),
        (#"{"\ud800":1}"#, "invalid JSON at byte 8: high surrogate escape not followed by a low surrogate"),
        (#"{"\udc00":1}"#, "invalid JSON at byte 8: lone low surrogate escape"),
        ("{\"a\tb\":1}", "invalid JSON at byte 3: control character in string"),
        ("21.5", "expected a JSON object or array, got 21.5"),
        (#""text""#, #"expected a JSON object or array, got "text""#),
        ("null", "expected a JSON object or array, got null"),
        ("{}", "no readings in the message"),
        ("[]", "no readings in the message"),
        (#"{"ts":1714564740}"#, "no readings in the message"),
        (#"{"readings":{}}"#, "no readings in the message"),
        (#"{"readings":[]}"#, "no readings in the message"),
        (#"{"t":NaX}"#, "invalid JSON at byte 5: invalid literal"),
    ]

    @Test(arguments: wholeMessageCases)
    func rejectsTheWholeMessage(payload: String, detail: String) {
        let d = decode(payload)
        #expect(d.readings.isEmpty)
        #expect(d.rejects.map(\.reason) == [.malformedPayload])
        #expect(d.rejects.first?.detail == detail)
    }

    @Test func syntaxErrorLateInTheMessageDiscardsEarlierReadings() {
        let d = decode(#"[{"a":1},{"b":2},{"c":3"#)
        #expect(d.readings.isEmpty)
        #expect(d.rejects.count == 1)
    }

    @Test func invalidUTF8IsMalformed() {
        for bad: [UInt8] in [[0xFF], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xE2, 0x82], [0xF4, 0x90, 0x80, 0x80], [0x80]] {
            let payload = Array(#"{"a"#.utf8) + bad + Array(#"":1}"#.utf8)
            let d = decode(payload)
            #expect(d.readings.isEmpty && d.rejects.map(\.reason) == [.malformedPayload], "\(bad)")
        }
        let ok = decode(Array(#"{"a"#.utf8) + [0xF0, 0x9F, 0x98, 0x80] + Array(#"":1}"#.utf8))
        #expect(ok.readings.map(\.sensor) == ["a😀"])
    }

    // MARK: Depth

    @Test func depthLimitIsInclusive() {
        // Form B metadata at depth 4: {message {readings [ {reading {metadata …
        func payload(metadataDepth: Int) -> String {
            let open = String(repeating: #"{"x":"#, count: metadataDepth)
            let close = String(repeating: "}", count: metadataDepth)
            return #"{"readings":[{"sensor":"t","value":1,"metadata":\#(open)1\#(close)}]}"#
        }
        // The message object is depth 1, readings 2, the reading 3, metadata 4, its children 5…
        #expect(decode(payload(metadataDepth: 29)).readings.count == 1)  // deepest object: 3 + 29 = 32
        let tooDeep = decode(payload(metadataDepth: 30))
        #expect(tooDeep.readings.isEmpty)
        #expect(tooDeep.rejects.first?.detail.hasSuffix("nesting deeper than the limit") == true)
        let custom = TelemetryDecoder(maxDepth: 4)
        #expect(decode(payload(metadataDepth: 1), decoder: custom).readings.count == 1)
        #expect(decode(payload(metadataDepth: 2), decoder: custom).readings.isEmpty)
    }

    @Test func hostileNestingIsRejectedWithoutRecursingDeep() {
        for opener in ["[", "{\"a\":", "[{\"a\":"] {
            let payload = String(repeating: opener, count: 100_000)
            let d = decode(payload)
            #expect(d.readings.isEmpty)
            #expect(d.rejects.first?.detail.hasSuffix("nesting deeper than the limit") == true)
        }
        let inValue = decode(#"{"t":"# + String(repeating: "[", count: 100_000))
        #expect(inValue.rejects.first?.detail.hasSuffix("nesting deeper than the limit") == true)
    }

    @Test func hugeNumbersAndLongInputs() {
        let digits = String(repeating: "9", count: 10_000)
        #expect(decode(#"{"t":\#(digits),"ok":1}"#).reasons == [.valueOutOfRange])
        #expect(decode(#"{"t":0.\#(digits),"ok":1}"#).readings.first?.value == 10_000)
        #expect(decode(#"{"t":1e99999999999999999999,"ok":1}"#).reasons == [.valueOutOfRange])
        #expect(decode(#"{"t":1e-99999999999999999999,"ok":1}"#).readings.first?.value == 0)
        let longName = String(repeating: "n", count: 5_000)
        let d = decode(#"{"\#(longName)":"x"}"#)
        #expect(d.rejects.first?.detail.count ?? 0 < 200)
    }
}
