import Foundation
import Postgres
import TestSupport

/// Measures recovery: how long after a fault the first reading published after it is stored.
///
/// Its connection is opened again whenever a query fails (the database may be the fault).
final class ChaosProbe: @unchecked Sendable {
    private let databaseURL: String
    /// Used only by the one task that runs the faults.
    private var connection: PostgresConnection?

    init(databaseURL: String) {
        self.databaseURL = databaseURL
    }

    /// Time from `injected` (epoch ms) until a reading stamped after it is in `sensor_readings`;
    /// nil after `limit`. Throws when the gateway `current()` returns has exited.
    func recovery(after injected: Int64, limit: Duration, current: () -> GatewayProcess) async throws -> Duration? {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            let gateway = current()
            guard gateway.process.isRunning else {
                throw TestSupportError("the gateway exited by itself (status \(gateway.process.exitStatus ?? -1)); log tail:\n\(gateway.log.suffix(3000))")
            }
            if storedAfter(injected) {
                return .milliseconds(Int64(Date().timeIntervalSince1970 * 1000) - injected)
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        return nil
    }

    private func storedAfter(_ millis: Int64) -> Bool {
        do {
            if connection == nil { connection = try PostgresConnection.connect(databaseURL, applicationName: "mash-bench chaos probe") }
            let rows = try connection!.execute("""
                SELECT EXISTS (SELECT 1 FROM sensor_readings WHERE timestamp > \(SQLText.timestamp("$1::bigint * 1000")))
                """, [String(millis)])
            return rows.rows.first?.first == "t"
        } catch {
            connection?.close()
            connection = nil
            return false
        }
    }
}
