import Alerts
import DeviceRegistry
import GatewayConfig
import Logging
import Postgres
import Testing
import TestSupport

/// The engine against a real database: the unique index, batching of current values, restore.
@Suite("ThresholdAlertEngine: database")
struct ThresholdAlertEngineDatabaseTests {
    static let logger = Logger(label: "test.alerts", factory: { _ in SwiftLogNoOpLogHandler() })

    /// A migrated database with one owned device; returns a connection URL and the device.
    func setUp() async throws -> (url: String, device: DeviceRecord, owner: String) {
        let url = try await TestPostgres.shared().migratedDatabase(seed: false)
        let db = try PostgresConnection.connect(url)
        defer { db.close() }
        let owner = try db.execute("INSERT INTO users (clerk_user_id, email, role) VALUES ('c-1', 'o@example.com', 'user') RETURNING id")[0, "id"]!
        let id = try db.execute("INSERT INTO devices (name, device_type, serial_number, user_id) VALUES ('Oven', 'esp32', 'sn-oven', $1::uuid) RETURNING id",
                                [owner])[0, "id"]!
        return (url, DeviceRecord(id: PackedUUID(id)!, name: "Oven", serialNumber: "sn-oven", ownerID: owner), owner)
    }

    func engine(_ url: String, escalateAfter: Int = 900) throws -> ThresholdAlertEngine {
        let rule = try AlertRule(name: "hot", sensor: "temperature", above: 80, hysteresis: 2, severity: .critical)
        return ThresholdAlertEngine(
            store: AlertStore(connection: try PostgresConnection.connect(url)),
            settings: AlertSettings(escalateAfterSeconds: escalateAfter, maxEscalationLevel: 3, rules: [rule]), logger: Self.logger)
    }

    @Test("two engines (two gateway instances) seeing the same condition make one alert and one notification")
    func twoInstances() async throws {
        let (url, device, owner) = try await setUp()
        let a = try engine(url)
        let b = try engine(url)
        defer { a.store.connection.close(); b.store.connection.close() }
        let first = try a.record([AlertReading(device: device, sensor: "temperature", value: 90, at: 1_000_000)])
        let second = try b.record([AlertReading(device: device, sensor: "temperature", value: 91, at: 1_001_000)])
        #expect(first.map(\.event) == [.raised])
        #expect(second.isEmpty)
        #expect(b.openCount == 1)
        try b.flushCurrentValues()
        let db = a.store.connection
        #expect(try db.execute("SELECT count(*) AS n FROM alerts")[0, "n"] == "1")
        #expect(try db.execute("SELECT current_value::text AS v FROM alerts")[0, "v"] == "91.0000")
        #expect(try db.execute("SELECT user_id::text || ' ' || priority AS n FROM notifications")[0, "n"] == "\(owner) urgent")
    }

    @Test("current_value is written once per flush, not once per reading; an alert resolved elsewhere is forgotten")
    func batching() async throws {
        let (url, device, _) = try await setUp()
        let e = try engine(url)
        defer { e.store.connection.close() }
        _ = try e.record([AlertReading(device: device, sensor: "temperature", value: 90, at: 0)])
        let before = e.store.statementsExecuted
        _ = try e.record((1...500).map { AlertReading(device: device, sensor: "Temperature".lowercased(), value: 90 + Double($0) / 100, at: Int64($0)) })
        #expect(e.store.statementsExecuted == before)
        try e.flushCurrentValues()
        #expect(e.store.statementsExecuted == before + 1)
        #expect(try e.store.connection.execute("SELECT current_value::text AS v FROM alerts")[0, "v"] == "95.0000")

        _ = try e.store.connection.execute("UPDATE alerts SET resolved = true")
        _ = try e.record([AlertReading(device: device, sensor: "temperature", value: 96, at: 600)])
        try e.flushCurrentValues()
        #expect(e.openCount == 0)
        // Still hot after someone else resolved it: no new alert until it has been back inside.
        #expect(try e.record([AlertReading(device: device, sensor: "temperature", value: 97, at: 700)]).isEmpty)
        #expect(try e.record([AlertReading(device: device, sensor: "temperature", value: 70, at: 800)]).isEmpty)
        #expect(try e.record([AlertReading(device: device, sensor: "temperature", value: 85, at: 900)]).map(\.event) == [.raised])
    }

    @Test("a restarted engine restores the open alert: no second raise, escalation continues from the stored level")
    func restore() async throws {
        let (url, device, _) = try await setUp()
        let first = try engine(url, escalateAfter: 10)
        _ = try first.record([AlertReading(device: device, sensor: "temperature", value: 90, at: 0)])
        #expect(try first.tick(now: 10_000_000).map(\.escalationLevel) == [2])
        first.store.connection.close()

        let second = try engine(url, escalateAfter: 10)
        defer { second.store.connection.close() }
        #expect(try second.restore() == 1)
        #expect(try second.record([AlertReading(device: device, sensor: "temperature", value: 95, at: 11_000_000)]).isEmpty)
        #expect(try second.tick(now: 19_999_999).isEmpty)
        #expect(try second.tick(now: 20_000_000).map(\.escalationLevel) == [3])
        #expect(try second.tick(now: 40_000_000).isEmpty)
        let db = second.store.connection
        #expect(try db.execute("SELECT count(*) || ' ' || max(escalation_level) AS n FROM alerts")[0, "n"] == "1 3")
        #expect(try db.execute("SELECT count(*) AS n FROM notifications")[0, "n"] == "3")
        #expect(try second.record([AlertReading(device: device, sensor: "temperature", value: 70, at: 41_000_000)]).map(\.event) == [.resolved])
    }
}
