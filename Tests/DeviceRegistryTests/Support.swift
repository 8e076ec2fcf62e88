import DeviceRegistry
import Postgres
import Synchronization
import TestSupport

/// A clock the test advances by hand: TTLs and rate limits are checked without sleeping.
final class ManualClock: Sendable {
    private let instant = Mutex(ContinuousClock.now)
    var now: @Sendable () -> ContinuousClock.Instant { { [self] in instant.withLock { $0 } } }
    func advance(by duration: Duration) { instant.withLock { $0 += duration } }
}

/// A fresh migrated, seeded database and a connection to it for arranging rows.
struct RegistryDatabase {
    let url: String
    let connection: PostgresConnection

    static func make() async throws -> RegistryDatabase {
        let url = try await TestPostgres.shared().migratedDatabase(seed: true)
        return RegistryDatabase(url: url, connection: try PostgresConnection.connect(url))
    }

    /// Inserts a device and returns its id.
    @discardableResult
    func insertDevice(name: String = "dev", serial: String? = nil, mac: String? = nil, owner: String? = nil) throws -> String {
        let rows = try connection.execute(
            "INSERT INTO devices (name, device_type, serial_number, mac_address, user_id) VALUES ($1, 'esp32', $2, $3, $4::uuid) RETURNING id::text",
            [name, serial, mac, owner]
        )
        return rows[0, "id"]!
    }

    func count(_ sql: String, _ parameters: [String?] = []) throws -> Int {
        Int(try connection.execute(sql, parameters).rows[0][0] ?? "") ?? -1
    }
}
