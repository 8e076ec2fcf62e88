import Foundation
import Testing
import TestSupport

/// The black-box presence and command tests, one at a time: each runs a gateway (about nine database
/// connections) beside the rest of the suite, and the shared test cluster allows 200 connections.
@Suite("Presence and commands (black box)", .serialized)
struct ControlIntegrationTests {}

/// Helpers for the presence and command tests: fast control timings and waiting on SQL values.
extension IngestFixture {
    /// The fixture with presence and commands tuned for tests: sweeps every 100 ms, polls every second.
    /// `presence` and `commands` lines go under their sections; `mqtt` lines under `mqtt:`.
    static func withControl(
        presence: String = "", commands: String = "", _ body: (IngestFixture) async throws -> Void
    ) async throws {
        try await with(ingest: "", extra: controlConfig(presence: presence, commands: commands)) { f in
            try await f.waitForControl()
            try await body(f)
        }
    }

    static func controlConfig(presence: String = "", commands: String = "") -> String {
        func indented(_ lines: String) -> String {
            lines.split(separator: "\n").map { "  \($0)\n" }.joined()
        }
        return "presence:\n  sweep_interval_ms: 100\n" + indented(presence)
            + "commands:\n  poll_interval_s: 1\n" + indented(commands)
    }

    /// Waits until the command and presence services have loaded their state.
    func waitForControl(_ process: GatewayProcess? = nil) async throws {
        let process = process ?? gateway
        try await process.waitForLog("presence restored")
        try await process.waitForLog("commands ready")
    }

    /// Polls `query` until it returns `expected` (text as psql prints it).
    func expectSQL(_ query: String, _ expected: String, timeout: Duration = .seconds(15),
                   sourceLocation: SourceLocation = #_sourceLocation) async throws {
        do {
            try await waitUntil("\(query) to return \(expected)", timeout: timeout) { try sql(query) == expected }
        } catch {
            Issue.record("\(query) returned \((try? sql(query)) ?? "?"), expected \(expected); gateway log:\n\(gateway.log.suffix(4000))",
                         sourceLocation: sourceLocation)
            throw error
        }
    }

    /// `devices.<column>` of the device with serial `serial` (or MAC when serial is NULL).
    func device(_ column: String, _ key: String = "sn-kitchen") throws -> String {
        try sql("SELECT \(column) FROM devices WHERE serial_number = '\(key)' OR mac_address = '\(key)'")
    }

    func deviceID(_ key: String = "sn-kitchen") throws -> String { try device("id::text", key) }

    /// A probe subscribed to `filters` (an observer, a device that receives commands, or an operator).
    func probe(_ filters: [String], will: MQTTClientWill? = nil) async throws -> MQTTProbe {
        try await MQTTProbe.connect(broker.url, subscribe: filters, will: will)
    }
}

import MQTT
typealias MQTTClientWill = MQTTClient.Will

/// A JSON object payload as a dictionary (test assertions).
func jsonObject(_ text: String) -> [String: Any] {
    (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
}
