import GatewayConfig
import Logging
import Postgres
import Presence
import TestSupport
import WallTime

/// A migrated database with `count` devices named dev-1…dev-N; returns the connection and their ids in name order.
func databaseWithDevices(_ count: Int, configuration: String = "{}") async throws -> (PostgresConnection, [PresenceDeviceID]) {
    let url = try await TestPostgres.shared().migratedDatabase(seed: false)
    let db = try PostgresConnection.connect(url)
    let rows = try db.execute(
        """
        INSERT INTO devices (name, device_type, configuration)
        SELECT 'dev-' || g, 'sensor', $2::jsonb FROM generate_series(1, $1::int) g
        RETURNING id, name
        """,
        [String(count), configuration]
    )
    let pairs = (0..<rows.count).map { (rows[$0, "name"]!, PresenceDeviceID(rows[$0, "id"]!)!) }
    let ids = pairs.sorted { Int($0.0.dropFirst(4))! < Int($1.0.dropFirst(4))! }.map(\.1)
    return (db, ids)
}

func makeTracker(
    _ db: PostgresConnection, startedAt: WallInstant, offlineAfter: Int = 90, severity: AlertSeverity = .high,
    refreshInterval: Duration = .seconds(1_000_000), writeChunk: Int = 2_000
) throws -> PresenceTracker {
    try PresenceTracker(
        store: PresenceStore(connection: db),
        settings: PresenceSettings(offlineAfterSeconds: offlineAfter, offlineAlertSeverity: severity),
        logger: Logger(label: "test.presence", factory: { _ in SwiftLogNoOpLogHandler() }),
        startedAt: startedAt, refreshInterval: refreshInterval, writeChunk: writeChunk
    )
}

/// One value from a query (first row, first column).
func scalar(_ db: PostgresConnection, _ sql: String, _ parameters: [String?] = []) throws -> String? {
    let rows = try db.execute(sql, parameters)
    return rows.rows.first?.first ?? nil
}
