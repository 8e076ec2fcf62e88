import Dispatch
import GatewayConfig
import Postgres
import Presence
import Testing
import TestSupport

@Suite("Presence sweeps run by two instances at once")
struct PresenceTrackerInstancesTests {
    /// Two gateways in one shared group both call the same devices silent and flush at the same
    /// moment: the partial unique index on open device_offline alerts (migration 0006) and
    /// `INSERT … ON CONFLICT DO NOTHING` leave one alert per device, and each alert is reported
    /// (published) by the one instance whose insert made it.
    @Test func bothSweepTheSameSilentDevicesAndOneAlertEachIsRaised() async throws {
        let (db, ids) = try await databaseWithDevices(50)
        defer { db.close() }
        let other = try PostgresConnection.connect(db.url.string)
        defer { other.close() }
        let trackers = [try makeTracker(db, startedAt: t(0)), try makeTracker(other, startedAt: t(0))]
        for tracker in trackers {
            for id in ids { tracker.record(.message, device: id, at: t(1)) }
            _ = try tracker.flush(now: t(2))
        }
        for tracker in trackers { #expect(tracker.sweep(now: t(92)).count == 50) }
        let raised = try await simultaneously(trackers.map { tracker in
            { @Sendable () throws -> Int in try tracker.flush(now: t(92)).alerts.filter { $0.event == .raised }.count }
        }).reduce(0, +)
        #expect(raised == 50, "each alert reported by exactly one instance")
        #expect(try scalar(db, "SELECT count(*) FROM alerts WHERE alert_type = 'device_offline'") == "50")
        #expect(try scalar(db, "SELECT count(DISTINCT device_id) FROM alerts WHERE alert_type = 'device_offline' AND resolved IS NOT TRUE") == "50")
        #expect(try scalar(db, "SELECT count(*) FROM devices WHERE status = 'offline'") == "50")
    }
}
