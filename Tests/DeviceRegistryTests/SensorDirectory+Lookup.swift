import DeviceRegistry
import Testing
import TestSupport

@Suite("SensorDirectory: sensor types from the database")
struct SensorDirectoryLookupTests {
    @Test func findsSeededTypesInAnyCaseWithScaledBounds() async throws {
        let db = try await RegistryDatabase.make()
        let sensors = SensorDirectory(databaseURL: db.url)
        let loaded = try sensors.load()
        #expect(loaded == (try db.count("SELECT count(*) FROM sensor_types")))
        let temperature = try #require(sensors.lookup("temperature"))
        #expect(sensors.lookup("TEMPERATURE") == temperature)
        #expect(sensors.lookup("Temperature"[...]) == temperature)
        let row = try db.connection.execute("SELECT id::text, min_value::text, max_value::text FROM sensor_types WHERE name = 'temperature'")
        #expect(temperature.id.string == row[0, "id"])
        #expect(temperature.minScaled == -400_000)
        #expect(temperature.maxScaled == 1_250_000)
        #expect(temperature.isOutOfBounds(1_250_001))
        #expect(!temperature.isOutOfBounds(215_000))
    }

    @Test func aMissReloadsAtMostOncePerInterval() async throws {
        let db = try await RegistryDatabase.make()
        let clock = ManualClock()
        let sensors = SensorDirectory(databaseURL: db.url, reloadInterval: .seconds(5), now: clock.now)
        try sensors.load()
        #expect(sensors.reloadCount == 1)
        clock.advance(by: .seconds(5))
        #expect(sensors.lookup("radiation") == nil)
        #expect(sensors.reloadCount == 2)
        try db.connection.execute("INSERT INTO sensor_types (name, unit, min_value, max_value) VALUES ('Radiation', 'uSv/h', NULL, 1000.5)")
        for _ in 0..<100 { #expect(sensors.lookup("radiation") == nil) }
        #expect(sensors.reloadCount == 2, "misses within the interval do not reload")
        clock.advance(by: .seconds(5))
        let radiation = try #require(sensors.lookup("RADIATION"))
        #expect(radiation.minScaled == nil)
        #expect(radiation.maxScaled == 10_005_000)
        #expect(sensors.reloadCount == 3)
    }
}
