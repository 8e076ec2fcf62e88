import Foundation
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

    /// After a SIGKILL the ring (or spool) gives back readings whose batch was stored and judged but
    /// not yet released; after a lost commit acknowledgement the same readings are judged again on a
    /// rebuilt engine. Neither may raise a second alert for a crossing already raised and resolved
    /// (the 30-minute chaos run's "unexpected" alerts), nor resolve an open alert with an older reading.
    @Test("a restarted engine does not judge again the readings behind the stored raise or resolve")
    func replayAfterRestart() async throws {
        let (url, device, _) = try await setUp()
        func reading(_ value: Double, _ second: Int64) -> AlertReading {
            AlertReading(device: device, sensor: "temperature", value: value, at: second * 1_000_000)
        }
        let crossing = [reading(70, 1), reading(90, 2), reading(91, 3), reading(70, 4)]
        // Judged at the gateway's time, as the alert worker does (rows are stamped with it).
        let now = Int64(Date().timeIntervalSince1970 * 1_000_000)
        let first = try engine(url)
        #expect(try first.record(crossing, now: now).map(\.event) == [.raised, .resolved])
        first.store.connection.close()

        let second = try engine(url)
        defer { second.store.connection.close() }
        #expect(try second.restore() == 0)
        #expect(try second.record(crossing, now: now + 1).isEmpty, "the replayed crossing was judged again")
        #expect(second.lateReadings == 4)
        let db = second.store.connection
        #expect(try db.execute("SELECT count(*) AS n FROM alerts")[0, "n"] == "1")
        // A new crossing after the replay is raised as usual.
        #expect(try second.record([reading(92, 5)], now: now + 2).map(\.event) == [.raised])
        second.store.connection.close()

        // Killed with that alert open: a replay of older readings neither resolves nor raises it again.
        let third = try engine(url)
        defer { third.store.connection.close() }
        #expect(try third.restore() == 1)
        #expect(try third.record(crossing + [reading(93, 5)], now: now + 3).isEmpty)
        #expect(try third.record([reading(70, 6)], now: now + 4).map(\.event) == [.resolved])
        #expect(try third.store.connection.execute("SELECT count(*) AS n FROM alerts")[0, "n"] == "2")
    }
}
