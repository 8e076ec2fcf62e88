import Logging
import Postgres
import SchemaMigrations
import Testing

@Suite("MigrationRunner.seed")
struct MigrationRunnerSeedTests {
    @Test func seedLoadsDefaultsOnceAndTwiceAddsNothing() async throws {
        let database = try await TestDatabase.make()
        let connection = try database.connect()
        defer { connection.close() }
        let (logger, _) = Logger.recording()
        let runner = MigrationRunner(migrations: try Migration.embedded, logger: logger)
        try runner.migrate(connection)

        let first = try runner.seed(connection)
        #expect(first.sensorTypesAdded == DefaultData.sensorTypes.count)
        #expect(first.sensorTypesAdded >= 15)
        #expect(first.usersAdded == 1)
        #expect(first.productCategoriesAdded == DefaultData.productCategories.count)

        let counts = "SELECT (SELECT count(*) FROM sensor_types) || '/' || (SELECT count(*) FROM users) || '/' || (SELECT count(*) FROM product_categories)"
        let before = try TestDatabase.value(connection, counts)
        let second = try runner.seed(connection)
        #expect(second == SeedReport())
        #expect(second.total == 0)
        #expect(try TestDatabase.value(connection, counts) == before)

        #expect(try TestDatabase.value(connection, "SELECT count(*) FROM users WHERE role = 'admin'") == "1")
        let admin = try connection.execute("SELECT clerk_user_id, email, is_active FROM users WHERE role = 'admin'")
        #expect(admin[0, "clerk_user_id"] == "local-admin")
        #expect(admin[0, "email"] == "admin@localhost")
        #expect(admin[0, "is_active"] == "t")
    }

    @Test func sensorTypesCoverTheFleetWithPhysicalRanges() async throws {
        let database = try await TestDatabase.make()
        let connection = try database.connect()
        defer { connection.close() }
        let (logger, _) = Logger.recording()
        let runner = MigrationRunner(migrations: try Migration.embedded, logger: logger)
        try runner.migrate(connection)
        try runner.seed(connection)

        let rows = try connection.execute("SELECT name, unit, min_value::text, max_value::text, description FROM sensor_types")
        var byName: [String: (unit: String?, min: String?, max: String?, description: String?)] = [:]
        for row in rows.rows.indices {
            byName[rows[row, "name"]!] = (rows[row, "unit"], rows[row, "min_value"], rows[row, "max_value"], rows[row, "description"])
        }
        let required = [
            "temperature", "humidity", "pressure", "co2", "tvoc", "pm1_0", "pm2_5", "pm10", "illuminance", "voltage",
            "current", "power", "energy", "battery", "rssi", "soil_moisture", "motion", "door", "uptime",
        ]
        for name in required { #expect(byName[name] != nil, "sensor type \(name)") }
        #expect(byName["temperature"]?.unit == "°C")
        #expect(byName["temperature"]?.min == "-40.0000" && byName["temperature"]?.max == "125.0000")
        #expect(byName["humidity"]?.min == "0.0000" && byName["humidity"]?.max == "100.0000")
        #expect(byName["pressure"]?.unit == "hPa" && byName["pressure"]?.min == "300.0000" && byName["pressure"]?.max == "1100.0000")
        #expect(byName["rssi"]?.unit == "dBm" && byName["rssi"]?.min == "-120.0000" && byName["rssi"]?.max == "0.0000")
        #expect(byName["pm2_5"]?.unit == "µg/m³")
        #expect(byName["motion"]?.min == "0.0000" && byName["motion"]?.max == "1.0000")
        for (name, type) in byName {
            #expect(type.min != nil && type.max != nil && type.description?.isEmpty == false, "\(name) has a range and a description")
        }
    }

    @Test func seedKeepsAnOperatorsExistingRowsAndMatchesNamesCaseInsensitively() async throws {
        let database = try await TestDatabase.make()
        let connection = try database.connect()
        defer { connection.close() }
        let (logger, _) = Logger.recording()
        let runner = MigrationRunner(migrations: try Migration.embedded, logger: logger)
        try runner.migrate(connection)
        try connection.execute("INSERT INTO sensor_types (name, unit, min_value, max_value) VALUES ('Temperature', 'K', 0, 500)")
        try connection.execute("INSERT INTO users (clerk_user_id, email, role) VALUES ('someone', 'ADMIN@localhost', 'user')")

        let report = try runner.seed(connection)
        #expect(report.sensorTypesAdded == DefaultData.sensorTypes.count - 1)
        #expect(report.usersAdded == 0)
        #expect(try TestDatabase.value(connection, "SELECT unit FROM sensor_types WHERE lower(name) = 'temperature'") == "K")
        #expect(try TestDatabase.value(connection, "SELECT count(*) FROM sensor_types WHERE lower(name) = 'temperature'") == "1")
    }

    @Test func seedWithoutTheSchemaFailsClearly() async throws {
        let database = try await TestDatabase.make()
        let connection = try database.connect()
        defer { connection.close() }
        let (logger, _) = Logger.recording()
        let error = #expect(throws: MigrationError.self) {
            try MigrationRunner(migrations: [], logger: logger).seed(connection)
        }
        #expect(error?.code == .seedFailed)
        #expect(error?.sqlState == "42P01")
    }
}
