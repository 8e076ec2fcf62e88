import GatewayConfig
import Postgres
import Presence
import Testing
import TestSupport

@Suite("PresenceTracker: database")
struct PresenceTrackerDatabaseTests {
    @Test func oneFlushWritesAllChangedDevicesWithOneStatement() async throws {
        let (db, ids) = try await databaseWithDevices(200)
        defer { db.close() }
        let tracker = try makeTracker(db, startedAt: t(0))
        for (n, id) in ids.prefix(150).enumerated() {
            for k in 0..<3 { tracker.record(.message, device: id, at: t(1, us: Int64(n * 10 + k))) }
        }
        tracker.record(.heartbeat(firmware: "1.4.2"), device: ids[0], at: t(2))
        let before = tracker.store.statementsExecuted
        let result = try tracker.flush(now: t(3))
        #expect(result.statements == 1)
        #expect(tracker.store.statementsExecuted - before == 1)
        #expect(result.rowsWritten == 150)
        #expect(try scalar(db, "SELECT count(*) FROM devices WHERE status = 'online'") == "150")
        #expect(try scalar(db, "SELECT count(*) FROM device_presence") == "150")
        let first = try db.execute(
            "SELECT last_seen, last_heartbeat, firmware_version, uptime_seconds, total_downtime_seconds FROM devices WHERE id = $1",
            [ids[0].string]
        )
        #expect(first[0, "last_seen"] == "2023-11-14 22:13:22")
        #expect(first[0, "last_heartbeat"] == "2023-11-14 22:13:22")
        #expect(first[0, "firmware_version"] == "1.4.2")
        // Offline from start (t0) to t(1): 1 s; online t(1)…t(3): 2 s.
        #expect(first[0, "uptime_seconds"] == "2")
        #expect(first[0, "total_downtime_seconds"] == "1")
        let last = try db.execute("SELECT last_seen FROM devices WHERE id = $1", [ids[149].string])
        #expect(last[0, "last_seen"] == "2023-11-14 22:13:21.001492")
        // Nothing changed: nothing is sent.
        #expect(try tracker.flush(now: t(3)).statements == 0)
    }

    /// A flush after a burst (a fleet's retained `online` at subscribe) may cover every device: it
    /// goes in statements of `writeChunk` devices, never one statement of them all, whose text and
    /// libpq copies would cost ≈ 50 MB at 100,000 devices.
    @Test func aFlushLargerThanOneChunkIsWrittenChunkByChunkInOneTransaction() async throws {
        let (db, ids) = try await databaseWithDevices(7)
        defer { db.close() }
        let tracker = try makeTracker(db, startedAt: t(0), writeChunk: 3)
        for (n, id) in ids.enumerated() { tracker.record(.message, device: id, at: t(1, us: Int64(n))) }
        let result = try tracker.flush(now: t(2))
        #expect(result.rowsWritten == 7)
        #expect(result.statements == 3, "7 devices in chunks of 3")
        #expect(try scalar(db, "SELECT count(*) FROM devices WHERE status = 'online'") == "7")
        #expect(try scalar(db, "SELECT count(*) FROM device_presence") == "7")
        let last = try db.execute("SELECT last_seen FROM devices WHERE id = $1", [ids[6].string])
        #expect(last[0, "last_seen"] == "2023-11-14 22:13:21.000006")
    }

    /// A fleet going offline at once raises its alerts a chunk of devices per statement, as the rows.
    @Test func offlineAlertsForMoreThanOneChunkAreRaisedChunkByChunk() async throws {
        let (db, ids) = try await databaseWithDevices(7)
        defer { db.close() }
        let tracker = try makeTracker(db, startedAt: t(0), writeChunk: 3)
        for (n, id) in ids.enumerated() { tracker.record(.message, device: id, at: t(1, us: Int64(n))) }
        _ = try tracker.flush(now: t(2))
        for id in ids { tracker.record(.statusOffline(retained: false), device: id, at: t(3)) }
        let result = try tracker.flush(now: t(4))
        #expect(result.alerts.count == 7)
        #expect(result.statements == 6, "7 device rows and 7 raises, each in chunks of 3")
        #expect(try scalar(db, "SELECT count(*) FROM alerts WHERE alert_type = 'device_offline' AND resolved IS NOT TRUE") == "7")
    }

    @Test func stateIsRebuiltFromTheDatabaseAfterARestart() async throws {
        let (db, ids) = try await databaseWithDevices(3)
        defer { db.close() }
        let first = try makeTracker(db, startedAt: t(0))
        first.record(.message, device: ids[0], at: t(0, us: 400_000))
        first.record(.message, device: ids[1], at: t(10))
        first.record(.statusOffline(retained: false), device: ids[1], at: t(20, us: 300_000))
        _ = try first.flushAll(now: t(30, us: 700_001))

        // Down from t(30.7) to t(500); restart.
        let second = try makeTracker(db, startedAt: t(500))
        #expect(second.machine.count == 3)
        #expect(second.status(of: ids[0]) == .online)
        #expect(second.status(of: ids[1]) == .offline)
        #expect(second.status(of: ids[2]) == .offline)
        let a = try #require(second.counters(of: ids[0], at: t(500)))
        #expect(a.uptime == .microseconds(30_300_001))      // exact to the microsecond across the restart
        #expect(a.downtime == .microseconds(400_000))
        let b = try #require(second.counters(of: ids[1], at: t(500)))
        #expect(b.uptime == .microseconds(10_300_000))
        #expect(b.downtime == .microseconds(10_000_000 + 10_400_001))
        // The restored online device has a full limit from the restart; its lastSeen is the stored one.
        let device = try #require(second.directory.device(for: ids[0]))
        #expect(second.machine.lastSeen(of: device) == t(0, us: 400_000))
        #expect(second.machine.offlineDeadline(of: device) == t(590))
        // The open alert from run 1 was restored: no second one when run 2 sees it offline again.
        let other = try #require(second.directory.device(for: ids[1]))
        #expect(second.machine.hasOpenAlert(other))
    }

    @Test func goingOfflineRaisesOneAlertAndComingBackResolvesIt() async throws {
        let (db, ids) = try await databaseWithDevices(2)
        defer { db.close() }
        let tracker = try makeTracker(db, startedAt: t(0), severity: .critical)
        tracker.record(.message, device: ids[0], at: t(1))
        tracker.record(.message, device: ids[1], at: t(1))
        _ = try tracker.flush(now: t(2))
        tracker.record(.message, device: ids[1], at: t(80))
        let transitions = tracker.sweep(now: t(92))
        #expect(transitions == [PresenceTransition(deviceID: ids[0], status: .offline, at: t(91), reason: .silence)])
        let raised = try tracker.flush(now: t(92))
        #expect(raised.statements == 2)
        #expect(raised.alerts.count == 1)
        let notice = try #require(raised.alerts.first)
        #expect(notice.event == .raised)
        #expect(notice.deviceID == ids[0])
        #expect(notice.severity == "critical")
        #expect(notice.title == "Device dev-1 offline")
        #expect(notice.escalationLevel == 1)
        let alert = try db.execute(
            """
            SELECT id, alert_type, severity, title, message, resolved, auto_resolve, trigger_value, current_value, created_at
            FROM alerts WHERE device_id = $1
            """,
            [ids[0].string]
        )
        #expect(alert.count == 1)
        #expect(alert[0, "id"] == notice.alertID)
        #expect(alert[0, "alert_type"] == "device_offline")
        #expect(alert[0, "severity"] == "critical")
        #expect(alert[0, "resolved"] == "f")
        #expect(alert[0, "auto_resolve"] == "t")
        #expect(alert[0, "trigger_value"] == nil)
        #expect(alert[0, "current_value"] == nil)
        #expect(alert[0, "created_at"] == "2023-11-14 22:14:51")
        #expect(alert[0, "message"]?.contains("more than 90 s") == true)
        #expect(try scalar(db, "SELECT status FROM devices WHERE id = $1", [ids[0].string]) == "offline")

        // Silent still: no second alert.
        _ = tracker.sweep(now: t(100))
        #expect(try tracker.flush(now: t(100)).alerts.isEmpty)

        tracker.record(.statusOnline(retained: false), device: ids[0], at: t(120, us: 5))
        let resolved = try tracker.flush(now: t(121))
        #expect(resolved.alerts.map(\.event) == [.resolved])
        #expect(resolved.alerts.first?.alertID == notice.alertID)
        let row = try db.execute(
            "SELECT resolved, resolved_at, resolved_by FROM alerts WHERE id = $1", [notice.alertID]
        )
        #expect(row[0, "resolved"] == "t")
        #expect(row[0, "resolved_at"] == "2023-11-14 22:15:20.000005")
        #expect(row[0, "resolved_by"] == nil)
        #expect(try scalar(db, "SELECT status FROM devices WHERE id = $1", [ids[0].string]) == "online")
    }

    @Test func restartDoesNotRaiseASecondAlert() async throws {
        let (db, ids) = try await databaseWithDevices(1)
        defer { db.close() }
        let first = try makeTracker(db, startedAt: t(0))
        first.record(.message, device: ids[0], at: t(1))
        first.record(.statusOffline(retained: false), device: ids[0], at: t(2))
        #expect(try first.flush(now: t(3)).alerts.count == 1)

        // Restart: restored offline with its alert open; a late will and long silence raise nothing.
        let second = try makeTracker(db, startedAt: t(100))
        second.record(.statusOffline(retained: true), device: ids[0], at: t(101))
        _ = second.sweep(now: t(1000))
        #expect(try second.flushAll(now: t(1000)).alerts.isEmpty)
        #expect(try scalar(db, "SELECT count(*) FROM alerts WHERE device_id = $1", [ids[0].string]) == "1")

        // Even a store asked twice (another instance, a lost in-memory flag) inserts no second open alert.
        let change = OfflineAlertChange(deviceID: ids[0], kind: .raise(reason: .will, offlineAfterSeconds: 90), at: t(2000))
        #expect(try second.store.raiseOfflineAlerts([change], severity: .low).isEmpty)
        #expect(try scalar(db, "SELECT count(*) FROM alerts WHERE device_id = $1", [ids[0].string]) == "1")

        // Back online after the restart: the old alert is resolved.
        second.record(.message, device: ids[0], at: t(1001))
        let result = try second.flush(now: t(1002))
        #expect(result.alerts.map(\.event) == [.resolved])
        #expect(try scalar(db, "SELECT count(*) FROM alerts WHERE resolved") == "1")
    }

    @Test func aBlipWithinOneFlushKeepsAlertHistoryInOrder() async throws {
        let (db, ids) = try await databaseWithDevices(1)
        defer { db.close() }
        let tracker = try makeTracker(db, startedAt: t(0))
        tracker.record(.message, device: ids[0], at: t(1))
        tracker.record(.statusOffline(retained: false), device: ids[0], at: t(2))
        _ = try tracker.flush(now: t(3))
        // Back, gone, back, gone again before the next flush.
        tracker.record(.message, device: ids[0], at: t(4))
        tracker.record(.statusOffline(retained: false), device: ids[0], at: t(5))
        let result = try tracker.flush(now: t(6))
        #expect(result.alerts.map(\.event) == [.resolved, .raised])
        let rows = try db.execute("SELECT resolved FROM alerts WHERE device_id = $1 ORDER BY created_at", [ids[0].string])
        #expect(rows.rows == [["t"], ["f"]])
    }

    @Test func perDeviceOfflineAfterComesFromConfiguration() async throws {
        let (db, ids) = try await databaseWithDevices(2)
        defer { db.close() }
        try db.execute("UPDATE devices SET configuration = '{\"offline_after_s\": 5}' WHERE id = $1", [ids[0].string])
        try db.execute("UPDATE devices SET configuration = '{\"offline_after_s\": \"ten\"}' WHERE id = $1", [ids[1].string])
        let tracker = try makeTracker(db, startedAt: t(0))
        tracker.record(.message, device: ids[0], at: t(1))
        tracker.record(.message, device: ids[1], at: t(1))
        let transitions = tracker.sweep(now: t(7))
        #expect(transitions.map(\.deviceID) == [ids[0]])
        #expect(transitions.first?.at == t(6))
        // The unusable value falls back to the default.
        #expect(tracker.status(of: ids[1]) == .online)
    }

    @Test func deviceCreatedAfterStartIsLoadedAtTheNextFlush() async throws {
        let (db, _) = try await databaseWithDevices(1)
        defer { db.close() }
        let tracker = try makeTracker(db, startedAt: t(0))
        let created = try db.execute(
            """
            INSERT INTO devices (name, device_type, uptime_seconds, total_downtime_seconds, configuration)
            VALUES ('late', 'sensor', 100, 50, '{"offline_after_s": 30}') RETURNING id
            """
        )
        let id = try #require(PresenceDeviceID(created[0, "id"]!))
        let bogus = try #require(PresenceDeviceID("00000000-0000-4000-8000-000000000001"))
        #expect(tracker.record(.message, device: id, at: t(10)).map(\.status) == [.online])
        tracker.record(.message, device: bogus, at: t(10))
        let result = try tracker.flush(now: t(20))
        #expect(result.statements == 2)   // the late device's row, then the write
        let row = try db.execute("SELECT status, uptime_seconds, total_downtime_seconds FROM devices WHERE id = $1", [id.string])
        #expect(row.rows == [["online", "110", "50"]])
        let device = try #require(tracker.directory.device(for: id))
        #expect(tracker.machine.offlineDeadline(of: device) == t(40))
        #expect(tracker.directory.device(for: bogus).map { tracker.machine.isIgnored($0) } == true)
    }

    @Test func maintenanceStatusIsLeftAloneByTheRefresh() async throws {
        let (db, ids) = try await databaseWithDevices(2)
        defer { db.close() }
        try db.execute("UPDATE devices SET status = 'maintenance' WHERE id = $1", [ids[0].string])
        let tracker = try makeTracker(db, startedAt: t(0))
        let result = try tracker.flushAll(now: t(60))
        #expect(result.rowsWritten == 2)
        #expect(try scalar(db, "SELECT status FROM devices WHERE id = $1", [ids[0].string]) == "maintenance")
        #expect(try scalar(db, "SELECT total_downtime_seconds FROM devices WHERE id = $1", [ids[0].string]) == "60")
    }

    @Test func refreshRewritesQuietDevicesWithinTheInterval() async throws {
        let (db, _) = try await databaseWithDevices(10)
        defer { db.close() }
        let tracker = try makeTracker(db, startedAt: t(0), refreshInterval: .seconds(10))
        // 2 s of a 10 s interval: a fifth of the devices.
        #expect(try tracker.flush(now: t(2)).rowsWritten == 2)
        #expect(try tracker.flush(now: t(12)).rowsWritten == 10)
        #expect(try scalar(db, "SELECT min(total_downtime_seconds) FROM devices") == "12")
    }

    @Test func externallyResetCountersWin() async throws {
        let (db, ids) = try await databaseWithDevices(1)
        defer { db.close() }
        let first = try makeTracker(db, startedAt: t(0))
        _ = try first.flushAll(now: t(50, us: 500_000))
        try db.execute("UPDATE devices SET total_downtime_seconds = 0")
        let second = try makeTracker(db, startedAt: t(100))
        #expect(second.counters(of: ids[0], at: t(100))?.downtime == .zero)
    }

    @Test func flushReconnectsAfterTheConnectionWasLost() async throws {
        let (db, ids) = try await databaseWithDevices(1)
        defer { db.close() }
        let tracker = try makeTracker(db, startedAt: t(0))
        tracker.record(.message, device: ids[0], at: t(1))
        db.close()
        #expect(try tracker.flush(now: t(2)).rowsWritten == 1)
        #expect(try scalar(db, "SELECT status FROM devices") == "online")
    }

    @Test func failedFlushKeepsEverythingForTheNext() async throws {
        let (db, ids) = try await databaseWithDevices(1)
        defer { db.close() }
        let tracker = try makeTracker(db, startedAt: t(0))
        tracker.record(.heartbeat(firmware: "9.9"), device: ids[0], at: t(1))
        tracker.record(.statusOffline(retained: false), device: ids[0], at: t(2))
        // Break the alert insert (but not the devices write) so the transaction rolls back.
        try db.execute("ALTER TABLE alerts ADD CONSTRAINT no_offline CHECK (alert_type <> 'device_offline')")
        #expect(throws: PostgresError.self) { try tracker.flush(now: t(3)) }
        #expect(try scalar(db, "SELECT status FROM devices") == "offline")   // the seed default, untouched
        #expect(try scalar(db, "SELECT firmware_version FROM devices") == nil)
        try db.execute("ALTER TABLE alerts DROP CONSTRAINT no_offline")
        let result = try tracker.flush(now: t(4))
        #expect(result.alerts.map(\.event) == [.raised])
        #expect(try scalar(db, "SELECT firmware_version FROM devices") == "9.9")
        #expect(try scalar(db, "SELECT last_seen FROM devices") == "2023-11-14 22:13:21")
    }
}
