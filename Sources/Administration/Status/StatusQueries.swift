import Postgres

/// Reads a ``StatusSnapshot`` from the database with a handful of cheap statements.
///
/// Cheap however large the history grows: readings are counted only inside the last hour through
/// the `timestamp` index (pruning every older partition), the newest reading is one backward
/// index probe, rejects go through `received_at`'s index, open commands through the partial index
/// on unfinished ones and open alerts through the one on unresolved ones. Only finished commands
/// of the last 24 h and the `devices` table are scanned.
public struct StatusQueries {
    public let connection: PostgresConnection

    public init(connection: PostgresConnection) {
        self.connection = connection
    }

    /// `now` in every statement is the database's clock in UTC (the schema's TIMESTAMP columns hold UTC).
    static let now = "(now() AT TIME ZONE 'UTC')"

    public func snapshot(daemon: StatusSnapshot.Daemon) throws(PostgresError) -> StatusSnapshot {
        let clock = try connection.execute("SELECT \(SQLText.microseconds(Self.now)) AS now")
        var snapshot = StatusSnapshot(takenAtMicros: Int64(clock[0, "now"] ?? "") ?? 0, daemon: daemon)

        let devices = try connection.execute("""
            SELECT count(*) AS total,
                   count(*) FILTER (WHERE status = 'online') AS online,
                   count(*) FILTER (WHERE status = 'offline' OR status IS NULL) AS offline
            FROM devices WHERE deleted_at IS NULL
            """)
        snapshot.devices.total = Self.int(devices[0, "total"])
        snapshot.devices.online = Self.int(devices[0, "online"])
        snapshot.devices.offline = Self.int(devices[0, "offline"])
        snapshot.devices.other = snapshot.devices.total - snapshot.devices.online - snapshot.devices.offline

        let readings = try connection.execute("""
            SELECT count(*) FILTER (WHERE timestamp >= \(Self.now) - interval '1 minute') AS minute, count(*) AS hour
            FROM sensor_readings WHERE timestamp >= \(Self.now) - interval '1 hour'
            """)
        snapshot.readings.lastMinute = Self.int(readings[0, "minute"])
        snapshot.readings.lastHour = Self.int(readings[0, "hour"])
        let newest = try connection.execute("""
            SELECT \(SQLText.microseconds("timestamp")) AS newest FROM sensor_readings ORDER BY timestamp DESC LIMIT 1
            """)
        if let micros = newest[0, "newest"].flatMap({ Int64($0) }) {
            snapshot.readings.newestMicros = micros
            snapshot.readings.newestAgeSeconds = Double(snapshot.takenAtMicros - micros) / 1_000_000
        }

        let rejects = try connection.execute("""
            SELECT reason, count(*) AS n FROM ingest_rejects WHERE received_at >= \(Self.now) - interval '1 hour' GROUP BY reason
            """)
        for row in 0..<rejects.count {
            guard let reason = rejects[row, "reason"] else { continue }
            let n = Self.int(rejects[row, "n"])
            snapshot.rejects.lastHourByReason[reason] = n
            snapshot.rejects.lastHour += n
        }

        let commands = try connection.execute("""
            SELECT status, count(*) AS n FROM device_commands WHERE status IN ('pending', 'sent', 'acknowledged') GROUP BY status
            UNION ALL
            SELECT status, count(*) FROM device_commands
            WHERE status NOT IN ('pending', 'sent', 'acknowledged')
              AND created_at >= \(Self.now) - interval '\(StatusSnapshot.finishedCommandWindowHours) hours'
            GROUP BY status
            """)
        for row in 0..<commands.count {
            guard let status = commands[row, "status"] else { continue }
            snapshot.commands[status, default: 0] += Self.int(commands[row, "n"])
        }

        let alerts = try connection.execute("SELECT severity, count(*) AS n FROM alerts WHERE resolved = FALSE GROUP BY severity")
        for row in 0..<alerts.count {
            guard let severity = alerts[row, "severity"] else { continue }
            let n = Self.int(alerts[row, "n"])
            snapshot.alerts.openBySeverity[severity, default: 0] += n
            snapshot.alerts.open += n
        }
        return snapshot
    }

    static func int(_ text: String?) -> Int { text.flatMap { Int($0) } ?? 0 }
}
