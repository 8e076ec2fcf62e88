import Testing
@testable import Telemetry

@Suite struct ESPHomeConventionDecodingTests {
    @Test(arguments: [("21.50", 215_000), ("-3", -30_000), ("ON", 10_000), ("OFF", 0), (" 1013.2 \n", 10_132_000)] as [(String, Int64)])
    func oneReadingStampedWithTheReceiveTime(payload: String, scaled: Int64) {
        let decoded = decodeConvention("esphome", payload, item: "living_room_temperature")
        #expect(decoded.rejects.isEmpty)
        #expect(decoded.readings == [ConventionReading(
            sensor: "living_room_temperature", mapKey: "living_room_temperature", value: scaled, ts: receivedAt)])
    }

    @Test(arguments: ["nan", "NaN", "-nan"])
    func nanIsMalformed(payload: String) {
        let decoded = decodeConvention("esphome", payload, item: "temp")
        #expect(decoded.readings.isEmpty)
        #expect(decoded.rejects.map(\.reason) == [.malformedPayload])
        #expect(decoded.rejects.first?.detail.contains("sensor \"temp\"") == true)
        #expect(decoded.rejects.first?.detail.contains("nan") == true)
    }

    @Test(arguments: [("", IngestRejectReason.malformedPayload), ("unavailable", .malformedPayload), ("1e12", .valueOutOfRange)])
    func otherBadValues(payload: String, reason: IngestRejectReason) {
        #expect(decodeConvention("esphome", payload, item: "temp").rejects.map(\.reason) == [reason])
    }
}
