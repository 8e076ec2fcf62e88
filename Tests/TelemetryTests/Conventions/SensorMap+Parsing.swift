import Testing
@testable import Telemetry

@Suite struct SensorMapParsingTests {
    @Test func objectOfStrings() throws {
        let map = try #require(SensorMap.parse(json: #"{"living_room_temperature": "temperature", "AM2301.Humidity": "humidity"}"#)).get()
        #expect(map.sensorType(for: "living_room_temperature") == "temperature")
        #expect(map.sensorType(for: "am2301.humidity") == "humidity")  // any case
        #expect(map.sensorType(for: "AM2301.Temperature") == nil)
    }

    @Test func absentIsNil() {
        #expect(SensorMap.parse(json: nil) == nil)
        #expect(SensorMap.parse(json: "null") == nil)
    }

    @Test(arguments: [#"["temperature"]"#, #"{"a": 1}"#, #"{"a": ""}"#, #"{"a": "t""#, "42"])
    func otherShapesFailWithAReason(json: String) {
        guard case .failure(let problem)? = SensorMap.parse(json: json) else { Issue.record("parsed \(json)"); return }
        #expect(problem.detail.hasPrefix("configuration.sensor_map "))
    }
}
