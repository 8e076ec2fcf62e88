import Testing
@testable import Telemetry
import WallTime

@Suite struct TasmotaConventionDecodingTests {
    /// After every Time below, so none is "in the future".
    let later = us("2026-12-31T00:00:00Z")
    let contract = #"{"Time":"2026-12-04T10:00:00","AM2301":{"Temperature":21.5,"Humidity":40.2},"TempUnit":"C"}"#

    @Test func oneReadingPerNumericLeafNamedByTheLowercasedLeaf() {
        let decoded = decodeConvention("tasmota", contract, receivedAt: later)
        #expect(decoded.rejects.isEmpty)
        #expect(decoded.readings == [
            ConventionReading(sensor: "temperature", mapKey: "AM2301.Temperature", value: 215_000, ts: us("2026-12-04T10:00:00Z")),
            ConventionReading(sensor: "humidity", mapKey: "AM2301.Humidity", value: 402_000, ts: us("2026-12-04T10:00:00Z")),
        ])
    }

    @Test func timeIsLocalTimeInTheDevicesZone() throws {
        let berlin = try #require(LocalZone(name: "Europe/Berlin"))
        let winter = decodeConvention("tasmota", contract, zone: .zone(berlin), receivedAt: later)
        #expect(winter.readings.map(\.ts) == [us("2026-12-04T09:00:00Z"), us("2026-12-04T09:00:00Z")])
        let summer = decodeConvention("tasmota", #"{"Time":"2026-07-01T12:00:00","SI7021":{"Temperature":25}}"#, zone: .zone(berlin), receivedAt: later)
        #expect(summer.readings.map(\.ts) == [us("2026-07-01T10:00:00Z")])
    }

    @Test func aTimeWithAnOffsetIsAbsolute() throws {
        let berlin = try #require(LocalZone(name: "Europe/Berlin"))
        let decoded = decodeConvention("tasmota", #"{"Time":"2026-12-04T10:00:00+03:00","ANALOG":{"A0":512}}"#, zone: .zone(berlin), receivedAt: later)
        #expect(decoded.readings == [ConventionReading(sensor: "a0", mapKey: "ANALOG.A0", value: 5_120_000, ts: us("2026-12-04T07:00:00Z"))])
    }

    @Test func anUnknownZoneRejectsEachReadingWithTheFix() {
        let decoded = decodeConvention("tasmota", contract, zone: .unknown("Mars/Olympus_Mons"), receivedAt: later)
        #expect(decoded.readings.isEmpty)
        #expect(decoded.rejects.map(\.reason) == [.malformedPayload, .malformedPayload])
        #expect(decoded.rejects[0].detail.contains("devices.timezone \"Mars/Olympus_Mons\" is not an IANA time zone name"))
        #expect(decoded.rejects[0].sensor == "temperature")
    }

    @Test func withoutTimeTheReceiveTimeAndNoZoneNeeded() {
        let decoded = decodeConvention("tasmota", #"{"DS18B20":{"Id":"0316A279","Temperature":19.3}}"#, zone: .unknown("bad"))
        #expect(decoded.rejects.isEmpty)
        #expect(decoded.readings == [ConventionReading(sensor: "temperature", mapKey: "DS18B20.Temperature", value: 193_000, ts: receivedAt)])
    }

    @Test func deepAndTopLevelLeavesStringsBooleansArraysAndNullsSkipped() {
        let payload = #"{"Time":"2024-05-01T11:00:00","ENERGY":{"TotalStartTime":"2024-01-01T00:00:00","Total":12.5,"Power":[1,2],"Today":null,"Ok":true},"Illuminance":300,"Switch1":"ON"}"#
        let decoded = decodeConvention("tasmota", payload)
        #expect(decoded.rejects.isEmpty)
        #expect(decoded.readings.map(\.sensor) == ["total", "illuminance"])
        #expect(decoded.readings.map(\.mapKey) == ["ENERGY.Total", "Illuminance"])
        #expect(decoded.readings.map(\.ts) == [us("2024-05-01T11:00:00Z"), us("2024-05-01T11:00:00Z")])
    }

    @Test func nestedObjectsBuildDottedPaths() {
        let decoded = decodeConvention("tasmota", #"{"Zb":{"Kitchen":{"Sensor":{"Temperature":20}}}}"#)
        #expect(decoded.readings.map(\.mapKey) == ["Zb.Kitchen.Sensor.Temperature"])
        #expect(decoded.readings.map(\.sensor) == ["temperature"])
    }

    @Test func badValuesAndTimesAreRejectedPerReading() {
        let outOfRange = decodeConvention("tasmota", #"{"X":{"Temperature":1e12,"Humidity":40}}"#)
        #expect(outOfRange.rejects.map(\.reason) == [.valueOutOfRange])
        #expect(outOfRange.readings.map(\.sensor) == ["humidity"])
        let badTime = decodeConvention("tasmota", #"{"Time":"yesterday","X":{"Temperature":20}}"#)
        #expect(badTime.rejects.map(\.reason) == [.malformedPayload])
        #expect(badTime.rejects.first?.detail.contains("Time \"\\\"yesterday\\\"\"") == true || badTime.rejects.first?.detail.contains("yesterday") == true)
        let old = decodeConvention("tasmota", #"{"Time":"1999-12-31T23:00:00","X":{"Temperature":20}}"#)
        #expect(old.rejects.map(\.reason) == [.timestampOutOfRange])
    }

    @Test(arguments: ["", "not json", "[1,2]", "{\"TempUnit\":\"C\"}", "{\"X\":{\"Temperature\":20}"])
    func messagesWithoutReadingsAreMalformed(payload: String) {
        let decoded = decodeConvention("tasmota", payload)
        #expect(decoded.readings.isEmpty)
        #expect(decoded.rejects.map(\.reason) == [.malformedPayload])
    }
}
