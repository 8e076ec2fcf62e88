import Commands
import Foundation
import GatewayConfig
import Logging
import Postgres
import TestSupport

/// A migrated database with users and devices for command tests.
struct CommandFixture {
    let url: String
    let connection: PostgresConnection
    let admin = UUID()
    let moderator = UUID()
    let owner = UUID()
    let other = UUID()
    let inactive = UUID()
    let deleted = UUID()
    /// Owned by `owner`, online.
    let device = UUID()
    /// Owned by `owner`, offline.
    let offlineDevice = UUID()

    static func make() async throws -> CommandFixture {
        let url = try await TestPostgres.shared().migratedDatabase(seed: false)
        let fixture = CommandFixture(url: url, connection: try PostgresConnection.connect(url))
        try fixture.connection.executeScript("""
            INSERT INTO users (id, clerk_user_id, email, role, is_active, deleted_at) VALUES
              ('\(fixture.admin)', 'clerk_admin', 'Admin@Example.com', 'admin', true, NULL),
              ('\(fixture.moderator)', 'clerk_mod', 'mod@example.com', 'moderator', true, NULL),
              ('\(fixture.owner)', 'clerk_owner', 'owner@example.com', 'user', true, NULL),
              ('\(fixture.other)', 'clerk_other', 'other@example.com', 'user', true, NULL),
              ('\(fixture.inactive)', 'clerk_inactive', 'inactive@example.com', 'admin', false, NULL),
              ('\(fixture.deleted)', 'clerk_deleted', 'deleted@example.com', 'admin', true, now());
            INSERT INTO devices (id, user_id, name, device_type, serial_number, mac_address, status) VALUES
              ('\(fixture.device)', '\(fixture.owner)', 'thermo', 'sensor', 'SN-1', 'AA:BB:CC:DD:EE:01', 'online'),
              ('\(fixture.offlineDevice)', '\(fixture.owner)', 'away', 'sensor', NULL, 'AA:BB:CC:DD:EE:02', 'offline');
            """)
        return fixture
    }

    func connect() throws -> PostgresConnection { try PostgresConnection.connect(url) }

    /// Inserts a command the way any application would; returns its id.
    @discardableResult
    func insertCommand(
        device: UUID? = nil, status: String = "pending", type: String = "reboot", timeout: Int = 30, maxRetries: Int = 3,
        retryCount: Int = 0, createdAgo: Double = 0, sentAgo: Double? = nil, acknowledgedAgo: Double? = nil
    ) throws -> UUID {
        func ago(_ seconds: Double?) -> String {
            seconds.map { "now() - interval '\($0) seconds'" } ?? "NULL"
        }
        let rows = try connection.execute("""
            INSERT INTO device_commands (device_id, command_type, command_data, status, timeout_seconds, max_retries, retry_count,
                                         created_at, sent_at, acknowledged_at)
            VALUES ($1::uuid, $2, '{"delay": 1}', $3, $4::int, $5::int, $6::int, \(ago(createdAgo)), \(ago(sentAgo)), \(ago(acknowledgedAgo)))
            RETURNING id
            """, [(device ?? self.device).uuidString, type, status, String(timeout), String(maxRetries), String(retryCount)])
        return UUID(uuidString: rows[0, "id"]!)!
    }

    func column(_ sql: String, _ parameters: [String?] = []) throws -> [String?] {
        try connection.execute(sql, parameters).rows.map { $0.first ?? nil }
    }

    func status(_ id: UUID) throws -> (status: String, retry: Int, error: String?) {
        let rows = try connection.execute("SELECT status, retry_count, error_message FROM device_commands WHERE id = $1::uuid", [id.uuidString])
        return (rows[0, "status"] ?? "", Int(rows[0, "retry_count"] ?? "") ?? -1, rows[0, "error_message"])
    }
}

let testLogger = Logger(label: "commands.test", factory: { _ in SwiftLogNoOpLogHandler() })

func dispatcher(_ fixture: CommandFixture, ttl: Int = 86_400) throws -> CommandDispatcher {
    CommandDispatcher(store: CommandStore(connection: try fixture.connect()), settings: CommandSettings(ttlSeconds: ttl), logger: testLogger)
}

extension [CommandEffect] {
    var devicePublishes: [(topic: String, payload: String, id: UUID, attempt: Int)] {
        compactMap { if case .publishToDevice(let t, let p, let id, let a) = $0 { (t, p, id, a) } else { nil } }
    }

    var operatorPublishes: [(topic: String, payload: [String: Any])] {
        compactMap {
            guard case .publishToOperator(let topic, let payload) = $0,
                  let object = try? JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: Any]
            else { return nil }
            return (topic, object)
        }
    }

    var ignoredReasons: [String] {
        compactMap { if case .ignored(_, let reason) = $0 { reason } else { nil } }
    }
}
