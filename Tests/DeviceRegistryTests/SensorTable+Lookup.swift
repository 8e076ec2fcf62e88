@testable import DeviceRegistry
import Testing

@Suite("SensorTable and ScaledDecimal")
struct SensorTableLookupTests {
    func find(_ table: SensorTable, _ name: String) -> SensorType? {
        var name = name
        return name.withUTF8 { table.lookup(UnsafeRawBufferPointer($0)) }
    }

    @Test func findsNamesInAnyCaseAndNothingElse() {
        let names = (0..<200).map { "sensor_\($0)" } + ["Temperature", "humidity", "CO2"]
        let table = SensorTable(names.enumerated().map { SensorType(id: PackedUUID(high: 0, low: UInt64($0.offset)), name: $0.element, unit: "") })
        #expect(table.count == names.count)
        for (offset, name) in names.enumerated() {
            #expect(find(table, name)?.id.low == UInt64(offset))
            #expect(find(table, name.uppercased())?.id.low == UInt64(offset))
        }
        #expect(find(table, "temperature")?.name == "Temperature")
        #expect(find(table, "co2")?.name == "CO2")
        #expect(find(table, "temperatur") == nil)
        #expect(find(table, "") == nil)
        #expect(find(table, "sensor_200") == nil)
    }

    @Test func namesThatFoldAlikeKeepTheFirst() {
        let table = SensorTable([
            SensorType(id: PackedUUID(high: 0, low: 1), name: "Lux", unit: ""),
            SensorType(id: PackedUUID(high: 0, low: 2), name: "lux", unit: ""),
        ])
        #expect(table.count == 1)
        #expect(find(table, "LUX")?.id.low == 1)
    }

    @Test func emptyTableFindsNothing() {
        #expect(find(SensorTable([]), "temperature") == nil)
    }

    @Test func boundsAreInclusive() {
        let type = SensorType(id: PackedUUID(high: 0, low: 0), name: "t", unit: "", minScaled: -400_000, maxScaled: 1_250_000)
        #expect(!type.isOutOfBounds(-400_000))
        #expect(!type.isOutOfBounds(1_250_000))
        #expect(type.isOutOfBounds(-400_001))
        #expect(type.isOutOfBounds(1_250_001))
        let open = SensorType(id: PackedUUID(high: 0, low: 0), name: "t", unit: "", minScaled: nil, maxScaled: 0)
        #expect(!open.isOutOfBounds(.min))
        #expect(open.isOutOfBounds(1))
    }

    @Test(arguments: [
        ("-40.0000", Int64(-400_000)), ("125.0000", 1_250_000), ("0.5", 5_000), ("125", 1_250_000),
        ("-0.0001", -1), ("99999999999.9999", 999_999_999_999_999), ("+1.25", 12_500), ("0", 0),
    ])
    func parsesDecimals(_ text: String, _ expected: Int64) {
        #expect(ScaledDecimal.parse(text) == expected)
    }

    @Test(arguments: ["", "-", ".", "1.23456", "1e5", "abc", "1.2.3", "--1", "99999999999999999999"])
    func rejectsOtherText(_ text: String) {
        #expect(ScaledDecimal.parse(text) == nil)
    }
}
