import Foundation
import GatewayConfig
import Logging
import Postgres
import WallTime

/// A device's stored presence, as loaded at start (or when a device appears later).
public struct StoredPresence: Sendable, Equatable {
    public var id: PresenceDeviceID
    public var state: RestoredPresence
    /// `configuration.offline_after_s` when present but unusable (not a number in 1...2592000); the default applies.
    public var invalidOfflineAfter: String?

    public init(id: PresenceDeviceID, state: RestoredPresence, invalidOfflineAfter: String? = nil) {
        self.id = id
        self.state = state
        self.invalidOfflineAfter = invalidOfflineAfter
    }
}

/// Presence's database I/O: loading state, writing changed devices, raising and resolving `device_offline` alerts.
///
/// Every method is one statement (counted in `statementsExecuted`), so a flush's cost is visible
/// and testable. Not thread-safe: one caller at a time, like the `PostgresConnection` it uses.
public final class PresenceStore: @unchecked Sendable {
    public let connection: PostgresConnection
    /// Statements sent so far (BEGIN/COMMIT of `transaction` not included).
    public private(set) var statementsExecuted = 0

    /// Offline limits a device may set in `configuration.offline_after_s` (as `presence.offline_after_s`).
    public static let offlineAfterRange = 1...2_592_000

    public init(connection: PostgresConnection) {
        self.connection = connection
    }

    private func execute(_ sql: String, _ parameters: [String?] = []) throws(PostgresError) -> PostgresRows {
        statementsExecuted += 1
        return try connection.execute(sql, parameters)
    }

    /// Runs `body` in one transaction (the writes of a flush that also changes alerts).
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try connection.transaction(body)
    }

    // MARK: Loading

    private static let selectColumns = """
        SELECT d.id, d.status, d.last_seen, d.last_heartbeat,
               CASE WHEN p.uptime_us / 1000000 = COALESCE(d.uptime_seconds, 0) THEN p.uptime_us
                    ELSE GREATEST(COALESCE(d.uptime_seconds, 0), 0) * 1000000 END AS uptime_us,
               CASE WHEN p.downtime_us / 1000000 = COALESCE(d.total_downtime_seconds, 0) THEN p.downtime_us
                    ELSE GREATEST(COALESCE(d.total_downtime_seconds, 0), 0) * 1000000 END AS downtime_us,
               d.configuration -> 'offline_after_s' AS offline_after,
               EXISTS (SELECT 1 FROM alerts a WHERE a.device_id = d.id AND a.alert_type = 'device_offline'
                       AND a.resolved IS NOT TRUE) AS open_alert
        FROM devices d LEFT JOIN device_presence p ON p.device_id = d.id
        """

    /// Every device not deleted, in pages of `pageSize` (keyset on id), so start-up never holds
    /// all rows as text at once.
    public func loadAll(pageSize: Int = 10_000, _ body: (StoredPresence) -> Void) throws(PostgresError) {
        var after = "00000000-0000-0000-0000-000000000000"
        var first = true
        while true {
            let rows = try execute(
                Self.selectColumns + """

                    WHERE d.deleted_at IS NULL AND (d.id > $1::uuid OR $3::boolean)
                    ORDER BY d.id LIMIT $2
                    """,
                [after, String(pageSize), first ? "true" : "false"]
            )
            first = false
            for index in 0..<rows.count {
                if let stored = Self.stored(rows, index) { body(stored) }
            }
            guard rows.count == pageSize, let last = rows[rows.count - 1, "id"] else { return }
            after = last
        }
    }

    /// The stored rows of the given devices (those not deleted); missing ids have no row.
    public func load(ids: [PresenceDeviceID]) throws(PostgresError) -> [StoredPresence] {
        guard !ids.isEmpty else { return [] }
        let rows = try execute(
            Self.selectColumns + "\nWHERE d.deleted_at IS NULL AND d.id = ANY($1::uuid[])",
            [SQLText.plainArray(ids.map(\.string))]
        )
        return (0..<rows.count).compactMap { Self.stored(rows, $0) }
    }

    private static func stored(_ rows: PostgresRows, _ index: Int) -> StoredPresence? {
        guard let idText = rows[index, "id"], let id = PresenceDeviceID(idText) else { return nil }
        let (offlineAfter, invalid) = parseOfflineAfter(rows[index, "offline_after"])
        let state = RestoredPresence(
            isOnline: rows[index, "status"] == "online",
            lastSeen: rows[index, "last_seen"].flatMap(WallInstant.init(timestampText:)),
            lastHeartbeat: rows[index, "last_heartbeat"].flatMap(WallInstant.init(timestampText:)),
            uptimeMicroseconds: rows[index, "uptime_us"].flatMap { Int64($0) } ?? 0,
            downtimeMicroseconds: rows[index, "downtime_us"].flatMap { Int64($0) } ?? 0,
            offlineAfterSeconds: offlineAfter,
            hasOpenOfflineAlert: rows[index, "open_alert"] == "t"
        )
        return StoredPresence(id: id, state: state, invalidOfflineAfter: invalid)
    }

    /// `configuration.offline_after_s` as JSON text: a number, or a string holding one (`120`, `"120"`, `90.5` → 91).
    static func parseOfflineAfter(_ json: String?) -> (seconds: Int?, invalid: String?) {
        guard let json, json != "null" else { return (nil, nil) }
        var text = Substring(json)
        if text.hasPrefix("\""), text.hasSuffix("\""), text.count >= 2 { text = text.dropFirst().dropLast() }
        guard let value = Double(text.trimmingCharacters(in: .whitespaces)), value.isFinite else { return (nil, json) }
        let seconds = Int(value.rounded(.up))
        guard offlineAfterRange.contains(seconds) else { return (nil, json) }
        return (seconds, nil)
    }

    // MARK: Writing

    /// Writes all given rows with ONE statement: `devices` columns and the exact counters in
    /// `device_presence`. Returns the number of `devices` rows updated (deleted devices are skipped).
    @discardableResult
    public func write(_ rows: [(id: PresenceDeviceID, row: PresenceRow)]) throws(PostgresError) -> Int {
        guard !rows.isEmpty else { return 0 }
        let parameters: [String?] = [
            SQLText.plainArray(rows.map(\.id.string)),
            SQLText.array(rows.map { $0.row.status?.rawValue }),
            SQLText.array(rows.map { $0.row.lastSeen?.description }),
            SQLText.array(rows.map { $0.row.lastHeartbeat?.description }),
            SQLText.array(rows.map { $0.row.firmware.map { String($0.prefix(50)) } }),
            SQLText.plainArray(rows.map { String($0.row.uptimeMicroseconds) }),
            SQLText.plainArray(rows.map { String($0.row.downtimeMicroseconds) }),
            SQLText.array(rows.map { $0.row.accountedAt.description }),
        ]
        let result = try execute(
            """
            WITH u AS (
                SELECT * FROM unnest($1::uuid[], $2::varchar[], $3::timestamp[], $4::timestamp[], $5::varchar[],
                                     $6::bigint[], $7::bigint[], $8::timestamp[])
                    AS u(id, status, last_seen, last_heartbeat, firmware, uptime_us, downtime_us, accounted_at)
            ), exact AS (
                INSERT INTO device_presence AS p (device_id, uptime_us, downtime_us, accounted_at)
                SELECT u.id, u.uptime_us, u.downtime_us, u.accounted_at
                FROM u JOIN devices d ON d.id = u.id AND d.deleted_at IS NULL
                ON CONFLICT (device_id) DO UPDATE
                    SET uptime_us = EXCLUDED.uptime_us, downtime_us = EXCLUDED.downtime_us, accounted_at = EXCLUDED.accounted_at
            )
            UPDATE devices d SET
                status = COALESCE(u.status, d.status),
                last_seen = GREATEST(d.last_seen, u.last_seen),
                last_heartbeat = GREATEST(d.last_heartbeat, u.last_heartbeat),
                firmware_version = COALESCE(u.firmware, d.firmware_version),
                uptime_seconds = u.uptime_us / 1000000,
                total_downtime_seconds = u.downtime_us / 1000000,
                updated_at = CASE WHEN u.status IS DISTINCT FROM d.status AND u.status IS NOT NULL
                                  THEN (now() AT TIME ZONE 'UTC') ELSE d.updated_at END
            FROM u
            WHERE d.id = u.id AND d.deleted_at IS NULL
            """,
            parameters
        )
        return result.affectedRows
    }

    /// Inserts one `device_offline` alert per device, with ONE statement; a device that already
    /// has an open one gets none (the partial unique index), and no notice.
    public func raiseOfflineAlerts(
        _ changes: [OfflineAlertChange], severity: AlertSeverity
    ) throws(PostgresError) -> [PresenceAlertNotice] {
        let raises = changes.compactMap { change -> (OfflineAlertChange, OfflineReason, Int)? in
            guard case .raise(let reason, let limit) = change.kind else { return nil }
            return (change, reason, limit)
        }
        guard !raises.isEmpty else { return [] }
        let rows = try execute(
            """
            INSERT INTO alerts (device_id, alert_type, severity, title, message, auto_resolve, metadata, created_at, updated_at)
            SELECT d.id, 'device_offline', $5, left('Device ' || d.name || ' offline', 255),
                   CASE r.reason
                       WHEN 'will' THEN 'Device ' || d.name || ' reported offline (status topic / MQTT will) at '
                                        || to_char(r.at, 'YYYY-MM-DD HH24:MI:SS') || ' UTC'
                       ELSE 'No message from device ' || d.name || ' for more than ' || r.limit_s
                            || ' s (last seen ' || COALESCE(to_char(d.last_seen, 'YYYY-MM-DD HH24:MI:SS') || ' UTC', 'never') || ')'
                   END,
                   TRUE,
                   jsonb_build_object('reason', r.reason, 'offline_at', r.at, 'offline_after_s', r.limit_s),
                   r.at, r.at
            FROM unnest($1::uuid[], $2::timestamp[], $3::text[], $4::int[]) AS r(device_id, at, reason, limit_s)
            JOIN devices d ON d.id = r.device_id
            ON CONFLICT (device_id) WHERE alert_type = 'device_offline' AND resolved IS NOT TRUE DO NOTHING
            RETURNING id, device_id, severity, title, escalation_level
            """,
            [
                SQLText.plainArray(raises.map(\.0.deviceID.string)),
                SQLText.array(raises.map { $0.0.at.description }),
                SQLText.plainArray(raises.map(\.1.rawValue)),
                SQLText.plainArray(raises.map { String($0.2) }),
                severity.rawValue,
            ]
        )
        return Self.notices(rows, .raised)
    }

    /// Resolves each device's open `device_offline` alert (whoever raised it), with ONE statement:
    /// `resolved`, `resolved_at` = when the device came back, no `resolved_by`.
    public func resolveOfflineAlerts(_ changes: [OfflineAlertChange]) throws(PostgresError) -> [PresenceAlertNotice] {
        let resolves = changes.filter { $0.kind == .resolve }
        guard !resolves.isEmpty else { return [] }
        let rows = try execute(
            """
            UPDATE alerts a SET resolved = TRUE, resolved_at = r.at, updated_at = (now() AT TIME ZONE 'UTC')
            FROM unnest($1::uuid[], $2::timestamp[]) AS r(device_id, at)
            WHERE a.device_id = r.device_id AND a.alert_type = 'device_offline' AND a.resolved IS NOT TRUE
            RETURNING a.id, a.device_id, a.severity, a.title, a.escalation_level
            """,
            [SQLText.plainArray(resolves.map(\.deviceID.string)), SQLText.array(resolves.map { $0.at.description })]
        )
        return Self.notices(rows, .resolved)
    }

    private static func notices(_ rows: PostgresRows, _ event: PresenceAlertNotice.Event) -> [PresenceAlertNotice] {
        (0..<rows.count).compactMap { index in
            guard let id = rows[index, "id"], let device = rows[index, "device_id"].flatMap(PresenceDeviceID.init) else { return nil }
            return PresenceAlertNotice(
                event: event, alertID: id, deviceID: device, severity: rows[index, "severity"] ?? "",
                escalationLevel: rows[index, "escalation_level"].flatMap { Int($0) } ?? 1, title: rows[index, "title"] ?? ""
            )
        }
    }

    /// `devices.last_seen` of `ids` (those that have one), as other gateways may have advanced it.
    public func lastSeen(ids: [PresenceDeviceID]) throws(PostgresError) -> [(PresenceDeviceID, WallInstant)] {
        guard !ids.isEmpty else { return [] }
        let rows = try connection.execute(
            "SELECT id::text AS id, last_seen FROM devices WHERE id = ANY($1::uuid[]) AND last_seen IS NOT NULL",
            [SQLText.plainArray(ids.map(\.string))])
        statementsExecuted += 1
        return (0..<rows.count).compactMap { index in
            guard let id = rows[index, "id"].flatMap(PresenceDeviceID.init),
                  let seen = rows[index, "last_seen"].flatMap(WallInstant.init(timestampText:)) else { return nil }
            return (id, seen)
        }
    }

}
