import Postgres

/// One fault as it happened: what, when (seconds into the run) and how long until ingestion resumed.
struct ChaosFaultRecord: Sendable {
    let fault: ChaosFault
    let at: Double
    /// When the fault began and when ingestion had resumed (epoch ms): the outage an alert may fall in.
    let beganMillis: Int64
    let recoveredMillis: Int64
    /// Fault → first reading published after it stored; nil when ingestion did not resume in time.
    let recovery: Duration?
    /// What the fault could not do as planned (e.g. the spool did not fill in time).
    var note: String?
}

/// The account at the end of a chaos run: the ledger against what the database holds.
struct ChaosTally: Sendable {
    var faults: [ChaosFaultRecord] = []
    var elapsed: Duration = .zero

    var readingsPublished = 0
    var readingsAcknowledged = 0
    var readingsRefused = 0
    var readingsStored = 0
    var readingsStoredUnacknowledged = 0
    var readingsDuplicated = 0
    var readingsLost = 0
    /// A few lost readings (device, sensor, stamp), to look for in the gateway's logs.
    var lostExamples: [String] = []

    var commandsInserted = 0
    var commandsByStatus: [String: Int] = [:]
    var commandsNotFinal = 0
    var commandsWrongFinal = 0
    var commandsSentMoreThanOnce = 0
    /// Of those: sent again by the retry timer (a later `attempt`), or one attempt delivered twice.
    var commandsRetried = 0
    var commandsSameAttemptTwice = 0

    var alertsExpected = 0
    var alertsRaised = 0
    var alertsMissing: [String] = []
    /// Missing alerts whose hot window overlapped an outage (fault → recovery), and the others.
    var alertsMissingDuringOutage = 0
    /// Missing alerts by the kind of fault whose outage their hot window overlapped: which fault loses
    /// alerts is the first question a miss raises. A window overlapping two faults counts under both.
    var alertsMissingByFault: [ChaosFault: Int] = [:]
    var alertsUnexpected: [String] = []

    var gatewayExitStatus: Int32?

    static let finalStatuses: Set<String> = ["completed", "failed", "timeout"]

    /// Fills in readings, commands and alerts from the database against `ledger`.
    ///
    /// The acknowledged readings are copied into a table beside `sensor_readings`, so the
    /// comparison is two anti-joins in PostgreSQL rather than millions of rows through the client.
    mutating func compare(ledger: ChaosLedger, schedule: ChaosSchedule, connection: PostgresConnection) throws {
        let acknowledged = ledger.acknowledgedReadings
        readingsPublished = ledger.publishedCount
        readingsAcknowledged = acknowledged.count
        try connection.execute("DROP TABLE IF EXISTS chaos_ledger")
        try connection.execute("CREATE TABLE chaos_ledger (device text NOT NULL, sensor text NOT NULL, millis bigint NOT NULL)")
        var start = 0
        while start < acknowledged.count {
            let chunk = acknowledged[start..<min(start + 50_000, acknowledged.count)]
            try connection.execute(
                "INSERT INTO chaos_ledger SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[])",
                [SQLText.plainArray(chunk.map { ChaosFleet.serial($0.device) }),
                 SQLText.plainArray(chunk.map { ChaosFleet.sensors[$0.sensor] }),
                 SQLText.plainArray(chunk.map { String($0.millis) })])
            start += 50_000
        }
        try connection.execute("ANALYZE chaos_ledger")
        let stored = """
            SELECT d.serial_number AS device, st.name AS sensor, (extract(epoch FROM r.timestamp) * 1000)::bigint AS millis, count(*) AS copies
            FROM sensor_readings r JOIN devices d ON d.id = r.device_id JOIN sensor_types st ON st.id = r.sensor_type_id
            WHERE d.device_type = 'chaos' GROUP BY 1, 2, 3
            """
        try connection.execute("DROP TABLE IF EXISTS chaos_stored")
        try connection.execute("CREATE TABLE chaos_stored AS \(stored)")
        try connection.execute("ANALYZE chaos_stored")
        let counts = try connection.execute("""
            SELECT (SELECT coalesce(sum(copies), 0) FROM chaos_stored),
                   (SELECT coalesce(sum(copies - 1), 0) FROM chaos_stored),
                   (SELECT count(*) FROM chaos_ledger l WHERE NOT EXISTS
                       (SELECT 1 FROM chaos_stored s WHERE s.device = l.device AND s.sensor = l.sensor AND s.millis = l.millis)),
                   (SELECT count(*) FROM chaos_stored s WHERE NOT EXISTS
                       (SELECT 1 FROM chaos_ledger l WHERE s.device = l.device AND s.sensor = l.sensor AND s.millis = l.millis))
            """).rows[0].map { Int($0 ?? "0") ?? 0 }
        readingsStored = counts[0]
        readingsDuplicated = counts[1]
        readingsLost = counts[2]
        readingsStoredUnacknowledged = counts[3]
        lostExamples = try connection.execute("""
            SELECT l.device || ' ' || l.sensor || ' ' || to_char(to_timestamp(l.millis / 1000.0) AT TIME ZONE 'UTC', 'HH24:MI:SS.MS')
            FROM chaos_ledger l WHERE NOT EXISTS
                (SELECT 1 FROM chaos_stored s WHERE s.device = l.device AND s.sensor = l.sensor AND s.millis = l.millis)
            ORDER BY l.millis LIMIT 5
            """).rows.compactMap { $0[0] }

        try compareCommands(ledger: ledger, connection: connection)
        try compareAlerts(acknowledged: acknowledged, schedule: schedule, connection: connection)
    }

    private mutating func compareCommands(ledger: ChaosLedger, connection: PostgresConnection) throws {
        let records = ledger.commands.filter { $0.value.device >= 0 }
        commandsInserted = records.count
        let rows = try connection.execute("SELECT id, status FROM device_commands").rows
        var status: [String: String] = [:]
        for row in rows { if let id = row[0] { status[id] = row[1] ?? "null" } }
        for (id, record) in records {
            let final = status[id] ?? "missing"
            commandsByStatus[final, default: 0] += 1
            if !Self.finalStatuses.contains(final) { commandsNotFinal += 1 }
            else if final != record.expectedStatus { commandsWrongFinal += 1 }
            if record.deliveries > 1 {
                commandsSentMoreThanOnce += 1
                if Set(record.attempts).count > 1 { commandsRetried += 1 }
                if Set(record.attempts).count < record.attempts.count { commandsSameAttemptTwice += 1 }
            }
        }
    }

    private mutating func compareAlerts(acknowledged: [ChaosReading], schedule: ChaosSchedule, connection: PostgresConnection) throws {
        struct Window: Hashable { let device: String; let window: Int }
        var expected = Set<Window>()
        for reading in acknowledged where reading.sensor == 0 {
            if let window = schedule.hotWindow(device: reading.device, millis: reading.millis) {
                expected.insert(Window(device: ChaosFleet.serial(reading.device), window: window))
            }
        }
        var raised: [Window: Int] = [:]
        let rows = try connection.execute("""
            SELECT d.serial_number, a.trigger_value FROM alerts a JOIN devices d ON d.id = a.device_id
            WHERE a.alert_type = 'threshold' AND d.device_type = 'chaos'
            """).rows
        for row in rows {
            guard let device = row[0], let value = row[1].flatMap(Double.init) else { continue }
            raised[Window(device: device, window: ChaosSchedule.window(hotValue: value)), default: 0] += 1
        }
        alertsExpected = expected.count
        alertsRaised = rows.count
        let missing = expected.subtracting(raised.keys)
        alertsMissingDuringOutage = 0
        alertsMissingByFault = [:]
        for window in missing {
            let device = Int(window.device.dropFirst("chaos-".count))! - 1
            let hot = schedule.hotInterval(device: device, window: window.window)
            let kinds = Set(faults.filter { $0.beganMillis < hot.upperBound && hot.lowerBound < $0.recoveredMillis }.map(\.fault))
            if !kinds.isEmpty { alertsMissingDuringOutage += 1 }
            for kind in kinds { alertsMissingByFault[kind, default: 0] += 1 }
        }
        alertsMissing = missing.sorted { ($0.window, $0.device) < ($1.window, $1.device) }
            .map { "\($0.device) window \($0.window)" }
        alertsUnexpected = raised.flatMap { key, count in
            Array(repeating: "\(key.device) window \(key.window)", count: expected.contains(key) ? count - 1 : count)
        }.sorted()
    }
}
