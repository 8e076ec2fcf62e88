import Foundation
import Testing
import TestSupport

/// Helpers for the threshold alert tests: a rule config, owners, and the alert rows.
extension IngestFixture {
    /// The `hot` rule (temperature above 80, hysteresis 2) with the given overrides, plus control timings.
    static func withAlerts(
        forSeconds: Int = 0, severity: String = "high", autoResolve: Bool = true, escalateAfter: Int = 900, maxLevel: Int = 3,
        extraRules: String = "", cluster: TestPostgres? = nil, _ body: (IngestFixture) async throws -> Void
    ) async throws {
        let alerts = """
            alerts:
              escalate_after_s: \(escalateAfter)
              max_escalation_level: \(maxLevel)
              rules:
                - name: hot
                  sensor: temperature
                  above: 80
                  hysteresis: 2
                  for_s: \(forSeconds)
                  severity: \(severity)
                  auto_resolve: \(autoResolve)

            """ + extraRules
        try await with(ingest: "", extra: controlConfig() + alerts, cluster: cluster) { f in
            try await f.waitForControl()
            try await f.gateway.waitForLog("alerts ready")
            try await body(f)
        }
    }

    @discardableResult
    /// Makes a new user (role `user`) the owner of `device`; returns the user's id.
    func makeOwner(_ email: String = "owner@example.com", of device: String = "sn-kitchen") throws -> String {
        let id = try insertUser(email, role: "user")
        _ = try sql("UPDATE devices SET user_id = '\(id)' WHERE serial_number = '\(device)' OR mac_address = '\(device)'")
        return id
    }

    /// `columns` of the one threshold alert of `rule` (fails the query if there are several).
    func thresholdAlert(_ columns: String, rule: String = "hot") throws -> String {
        try sql("SELECT \(columns) FROM alerts WHERE alert_type = 'threshold' AND threshold_config ->> 'name' = '\(rule)'")
    }

    /// Stops the gateway (SIGTERM) once what it had to publish is published and marked (an entry
    /// published but not yet marked is published again after a restart: at least once), starts it
    /// again and waits until its alert rules are restored.
    func restartGateway() async throws {
        try await expectSQL("SELECT count(*) FROM gateway_outbox WHERE published_at IS NULL", "0")
        _ = await gateway.terminate()
        try await startGatewayAgain()
        try await gateway.waitForLog("alerts ready")
    }

    func temperature(_ value: Double, device: String = "sn-kitchen") throws {
        try self.device.publish("devices/\(device)/sensors/temperature", "\(value)")
    }
}

/// Alert events received on `alerts/{device}`, as JSON objects.
extension MQTTProbe {
    func alertEvents(_ device: String = "sn-kitchen", _ event: String? = nil) -> [[String: Any]] {
        received(on: "alerts/\(device)").map { jsonObject($0.payloadString) }.filter { event == nil || $0["event"] as? String == event }
    }
}
