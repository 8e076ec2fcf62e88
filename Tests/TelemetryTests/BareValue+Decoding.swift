import Testing
@testable import Telemetry

@Suite struct BareValueDecodingTests {
    static let valueCases: [(String, Int64)] = [
        ("21.5", 215_000), ("-3", -30_000), ("1e3", 10_000_000), ("0", 0), ("  21.5\r\n", 215_000), ("\t-0.00005 ", -1),
        ("true", 10_000), ("false", 0), ("TRUE", 10_000), ("False", 0),
        ("on", 10_000), ("off", 0), ("ON", 10_000), ("OFF", 0), ("On", 10_000), (" oFf\n", 0),
        ("99999999999.9999", 999_999_999_999_999),
    ]

    @Test(arguments: valueCases)
    func decodes(payload: String, scaled: Int64) throws {
        #expect(try TelemetryDecoder.decodeBareValue(Array(payload.utf8)).get() == scaled)
    }

    static let rejectCases: [(String, IngestRejectReason)] = [
        ("", .malformedPayload), ("   ", .malformedPayload), ("hot", .malformedPayload), ("\"21.5\"", .malformedPayload),
        ("21.5 C", .malformedPayload), ("+3", .malformedPayload), (".5", .malformedPayload), ("1.", .malformedPayload),
        ("0x10", .malformedPayload), ("onn", .malformedPayload), ("yes", .malformedPayload), ("null", .malformedPayload),
        ("{\"v\":1}", .malformedPayload), ("1 2", .malformedPayload), ("tru", .malformedPayload),
        ("nan", .valueOutOfRange), ("NaN", .valueOutOfRange), ("-nan", .valueOutOfRange), ("inf", .valueOutOfRange),
        ("-Infinity", .valueOutOfRange), ("1e11", .valueOutOfRange), ("-1e300", .valueOutOfRange),
    ]

    @Test(arguments: rejectCases)
    func rejects(payload: String, reason: IngestRejectReason) {
        switch TelemetryDecoder.decodeBareValue(Array(payload.utf8)) {
        case .success(let v): Issue.record("decoded \(v)")
        case .failure(let reject): #expect(reject.reason == reason)
        }
    }

    @Test func sensorTopicIntoMessage() {
        var message = DecodedMessage()
        let decoder = TelemetryDecoder()
        Array("ON".utf8).withUnsafeBytes {
            decoder.decodeSensorValue($0, sensor: "relay", receivedAtMicros: receivedAt, into: &message)
        }
        #expect(message.readings.count == 1)
        #expect(message.readings.first?.scaledValue == 10_000)
        #expect(message.readings.first?.timestampMicros == receivedAt)
        #expect(message.string(message.readings[0].sensor, payload: UnsafeRawBufferPointer(start: nil, count: 0)) == "relay")

        Array("warm".utf8).withUnsafeBytes {
            decoder.decodeSensorValue($0, sensor: "temperature", receivedAtMicros: receivedAt, into: &message)
        }
        #expect(message.readings.isEmpty)
        #expect(message.rejects.first?.detail == #"sensor "temperature": value "warm" is not a number, true/false or on/off"#)
        #expect(message.rejects.first?.sensor == "temperature")
    }
}
