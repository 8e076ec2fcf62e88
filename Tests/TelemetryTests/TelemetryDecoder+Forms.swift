import Testing
@testable import Telemetry

@Suite struct TelemetryDecoderFormsTests {
    static let t0 = "2024-05-01T11:59:00Z"
    static let t0us: Int64 = 1_714_564_740_000_000

    static let formCases: [(String, [Reading])] = [
        // Form A
        (#"{"ts":"2024-05-01T11:59:00Z","readings":{"temperature":21.5,"humidity":40.2}}"#,
         [Reading(sensor: "temperature", value: 215_000, ts: t0us), Reading(sensor: "humidity", value: 402_000, ts: t0us)]),
        // Form A with ts after readings and an extra key ignored
        (#"{"readings":{"temperature":21.5},"device":"x","ts":"2024-05-01T11:59:00Z"}"#,
         [Reading(sensor: "temperature", value: 215_000, ts: t0us)]),
        // Form B, all fields
        (#"{"ts":"2024-05-01T11:59:00Z","readings":[{"sensor":"temperature","value":21.5,"quality":"good","ts":"2024-05-01T11:58:00Z","metadata":{"unit":"C"}}]}"#,
         [Reading(sensor: "temperature", value: 215_000, ts: t0us - 60_000_000, quality: .good, metadata: #"{"unit":"C"}"#)]),
        // Form B, minimal, message ts applies; qualities
        (#"{"ts":1714564740,"readings":[{"sensor":"a","value":1},{"sensor":"b","value":2,"quality":"uncertain"},{"sensor":"c","value":3,"quality":"BAD","metadata":null,"extra":[1,{"x":2}]}]}"#,
         [Reading(sensor: "a", value: 10_000, ts: t0us), Reading(sensor: "b", value: 20_000, ts: t0us, quality: .uncertain),
          Reading(sensor: "c", value: 30_000, ts: t0us, quality: .bad)]),
        // Form C
        (#"{"temperature":21.5,"humidity":40.2}"#,
         [Reading(sensor: "temperature", value: 215_000, ts: receivedAt), Reading(sensor: "humidity", value: 402_000, ts: receivedAt)]),
        // Form C with ts (before and after the values)
        (#"{"ts":1714564740000,"temperature":-3}"#, [Reading(sensor: "temperature", value: -30_000, ts: t0us)]),
        (#"{"temperature":-3,"ts":1714564740000}"#, [Reading(sensor: "temperature", value: -30_000, ts: t0us)]),
        // Booleans
        (#"{"door":true,"window":false}"#,
         [Reading(sensor: "door", value: 10_000, ts: receivedAt), Reading(sensor: "window", value: 0, ts: receivedAt)]),
        (#"{"readings":[{"sensor":"relay","value":true}]}"#, [Reading(sensor: "relay", value: 10_000, ts: receivedAt)]),
        // A top-level array mixing forms, each with its own ts
        (#"[{"ts":1714564740,"readings":{"t":1}},{"ts":1714564680,"readings":[{"sensor":"t","value":2}]},{"t":3}]"#,
         [Reading(sensor: "t", value: 10_000, ts: t0us), Reading(sensor: "t", value: 20_000, ts: t0us - 60_000_000),
          Reading(sensor: "t", value: 30_000, ts: receivedAt)]),
        // Whitespace everywhere
        (" \n\t{ \"readings\" : { \"t\" : 1.25 } , \"ts\" : 1714564740 }\r\n ", [Reading(sensor: "t", value: 12_500, ts: t0us)]),
        // Null ts counts as absent
        (#"{"ts":null,"t":1}"#, [Reading(sensor: "t", value: 10_000, ts: receivedAt)]),
        // "readings" with a scalar in a flat message is just a sensor called readings
        (#"{"readings":5}"#, [Reading(sensor: "readings", value: 50_000, ts: receivedAt)]),
    ]

    @Test(arguments: formCases)
    func decodes(payload: String, expected: [Reading]) {
        let d = decode(payload)
        #expect(d.readings == expected)
        #expect(d.rejects.isEmpty, "\(d.rejects)")
    }

    @Test func flatValuesBeforeStructuredReadingsAreDropped() {
        // Once "readings" shows the message is form A/B, its other keys are not sensors.
        let d = decode(#"{"device":"abc","battery":3.1,"readings":{"t":1}}"#)
        #expect(d.readings == [Reading(sensor: "t", value: 10_000, ts: receivedAt)])
        #expect(d.rejects.isEmpty)
    }

    static let tsCases: [(String, Int64)] = [
        ("\"2024-05-01T11:59:00Z\"", t0us),
        ("\"2024-05-01t11:59:00z\"", t0us),
        ("\"2024-05-01 11:59:00Z\"", t0us),
        ("\"2024-05-01T13:59:00+02:00\"", t0us),
        ("\"2024-05-01T06:29:00-05:30\"", t0us),
        ("\"2024-05-01T11:59:00.5Z\"", t0us + 500_000),
        ("\"2024-05-01T11:59:00.123456Z\"", t0us + 123_456),
        ("\"2024-05-01T11:59:00.1234565Z\"", t0us + 123_457),   // rounded to µs
        ("\"2024-05-01T11:59:00.000000001Z\"", t0us),
        ("\"2024-05-01T13:59:00.25+02:00\"", t0us + 250_000),
        ("1714564740", t0us),                                  // seconds
        ("1714564740.5", t0us + 500_000),                      // fractional seconds
        ("1714564740.0000005", t0us + 1),                      // half rounds away from zero
        ("1714564740000", t0us),                               // milliseconds
        ("1714564740123.4", t0us + 123_400),                   // fractional milliseconds
        ("1.71456474e9", t0us),                                // exponent form, seconds
        ("99999999999", 99_999_999_999_000_000),               // just below 1e11: seconds (year 5138)
        ("1e11", 100_000_000_000_000),                         // 1e11: milliseconds (1973…)
    ]

    @Test(arguments: tsCases)
    func timestampFormats(ts: String, expected: Int64) {
        // Use a far-future receive time so that nothing here counts as "in the future".
        let d = decode(#"{"ts":\#(ts),"readings":{"t":1}}"#, receivedAt: TelemetryTime.latestMicros - 300_000_000)
        if expected < TelemetryTime.earliestMicros {
            #expect(d.reasons == [.timestampOutOfRange])
        } else {
            #expect(d.readings.map(\.ts) == [expected], "\(d.rejects)")
        }
    }

    @Test func readingTsWinsOverMessageTs() {
        let d = decode(#"{"ts":1714564740,"readings":[{"sensor":"a","value":1,"ts":"2024-05-01T11:00:00Z"},{"sensor":"b","value":2}]}"#)
        #expect(d.readings.map(\.ts) == [us("2024-05-01T11:00:00Z"), Self.t0us])
    }

    static let valueCases: [(String, Int64)] = [
        ("0", 0), ("1", 10_000), ("-1", -10_000), ("21.5", 215_000), ("21.35", 213_500),
        ("0.00005", 1), ("-0.00005", -1), ("0.00004999", 0), ("1.00005", 10_001), ("2.5e-4", 3),
        ("1e3", 10_000_000), ("1E+3", 10_000_000), ("12345678901234567890e-10", 12_345_678_901_235),
        ("99999999999.9999", 999_999_999_999_999), ("-99999999999.9999", -999_999_999_999_999),
        ("0.1e-400", 0), ("-0", 0), ("0.000000000000000000000000000001", 0),
        ("123.456789012345678901234567", 1_234_568),
    ]

    @Test(arguments: valueCases)
    func valuesScaleExactly(text: String, scaled: Int64) {
        let d = decode(#"{"v":\#(text)}"#)
        #expect(d.readings.map(\.value) == [scaled], "\(d.rejects)")
    }

    @Test func unicodeAndEscapedNames() {
        let d = decode(#"{"temp\u00e9rature":1,"tempé":2,"a\"b":3,"\ud83d\ude00":4,"t\/s":5,"line\nbreak":6}"#)
        #expect(d.readings.map(\.sensor) == ["température", "tempé", "a\"b", "😀", "t/s", "line\nbreak"])
        #expect(d.rejects.isEmpty)
    }

    @Test func escapedKeysAreRecognised() {
        // "t\u0073" is "ts"; "r\u0065adings" is "readings".
        let d = decode(#"{"t\u0073":1714564740,"r\u0065adings":{"t":1}}"#)
        #expect(d.readings == [Reading(sensor: "t", value: 10_000, ts: Self.t0us)])
    }

    @Test func unescapedNamesPointIntoThePayload() {
        let payload = Array(#"{"readings":{"temperature":1,"h\u0075m":2}}"#.utf8)
        var message = DecodedMessage()
        TelemetryDecoder().decode(payload, receivedAtMicros: receivedAt, into: &message)
        #expect(message.readings.count == 2)
        #expect(message.readings[0].sensor.storage == .payload)
        #expect(message.readings[1].sensor.storage == .scratch)
        #expect(message.scratch == Array("hum".utf8))
    }

    @Test func sinkIsReusedAndCleared() {
        var message = DecodedMessage()
        let decoder = TelemetryDecoder()
        decoder.decode(Array(#"{"a":1,"b":"x"}"#.utf8), receivedAtMicros: receivedAt, into: &message)
        #expect(message.readings.count == 1 && message.rejects.count == 1)
        decoder.decode(Array(#"{"c":2}"#.utf8), receivedAtMicros: receivedAt, into: &message)
        #expect(message.readings.count == 1 && message.rejects.isEmpty)
        message.removeAll()
        #expect(message.readings.isEmpty && message.readings.capacity > 0)
    }
}
