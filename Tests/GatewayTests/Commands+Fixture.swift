import Foundation
import Testing
import TestSupport

/// Helpers for the command tests: rows inserted as another application would, devices brought online.
extension IngestFixture {
    /// Inserts a pending command as any application would (plain SQL) and returns its id.
    func insertCommand(device key: String = "sn-kitchen", type: String = "reboot", data: String = "{}",
                       timeout: Int = 30, maxRetries: Int = 3) throws -> String {
        try sql("""
            INSERT INTO device_commands (device_id, command_type, command_data, timeout_seconds, max_retries)
            SELECT id, '\(type)', '\(data)'::jsonb, \(timeout), \(maxRetries) FROM devices
            WHERE serial_number = '\(key)' OR mac_address = '\(key)' RETURNING id
            """)
    }

    /// Brings the device online (a heartbeat) and waits until `devices.status` says so.
    func bringOnline(_ key: String = "sn-kitchen") async throws {
        try device.publish("devices/\(key)/heartbeat", "")
        try await expectSQL("SELECT status FROM devices WHERE serial_number = '\(key)' OR mac_address = '\(key)'", "online")
    }

    func command(_ id: String, _ columns: String = "status") throws -> String {
        try sql("SELECT \(columns) FROM device_commands WHERE id = '\(id)'")
    }

    /// Waits until the command's `columns` read `expected`.
    func expectCommand(_ id: String, _ columns: String = "status", _ expected: String, timeout: Duration = .seconds(15),
                       sourceLocation: SourceLocation = #_sourceLocation) async throws {
        try await expectSQL("SELECT \(columns) FROM device_commands WHERE id = '\(id)'", expected, timeout: timeout, sourceLocation: sourceLocation)
    }

    /// Inserts a user (`email` is also the operator key) and returns its id.
    func insertUser(_ email: String, role: String, active: Bool = true) throws -> String {
        try sql("""
            INSERT INTO users (clerk_user_id, email, role, is_active) VALUES ('clerk-\(email)', '\(email)', '\(role)', \(active))
            RETURNING id
            """)
    }
}

extension MQTTProbe {
    /// Messages received on the command topic of `id`.
    func commands(_ id: String, device: String = "sn-kitchen") -> [[String: Any]] {
        received(on: "devices/\(device)/commands/\(id)").map { jsonObject($0.payloadString) }
    }
}
