import Foundation
import Postgres
import Simulator

/// Inserts a pending command once a second, as any other application would (plain SQL), for a
/// seeded random device; every fifth is of type `fail`, which the simulated device fails.
///
/// Timeout 10 s and 3 retries: a device that answers at once never needs a second send, so every
/// extra delivery the ledger counts is the gateway's (or the broker's) doing. While PostgreSQL is
/// away the insert fails and that second's command is skipped: only committed inserts are in the ledger.
final class ChaosCommander: @unchecked Sendable {
    private let databaseURL: String
    private let devices: Int
    private let ledger: ChaosLedger
    /// Used only by `run()`'s task.
    private var random: SplitMix64
    private var connection: PostgresConnection?

    init(databaseURL: String, devices: Int, seed: UInt64, ledger: ChaosLedger) {
        self.databaseURL = databaseURL
        self.devices = devices
        self.ledger = ledger
        random = SplitMix64(seed: seed &+ 0x636F_6D6D)
    }

    /// Inserts until cancelled.
    func run() async {
        var number = 0
        while !Task.isCancelled {
            number += 1
            let device = Int.random(in: 0..<devices, using: &random)
            let type = number % 5 == 0 ? "fail" : "reboot"
            insert(device: device, type: type)
            try? await Task.sleep(for: .seconds(1))
        }
        connection?.close()
    }

    private func insert(device: Int, type: String) {
        do {
            if connection == nil {
                connection = try PostgresConnection.connect(databaseURL, applicationName: "mash-bench chaos commands", connectTimeoutSeconds: 2)
            }
            let rows = try connection!.execute("""
                INSERT INTO device_commands (device_id, command_type, command_data, timeout_seconds, max_retries)
                SELECT id, $1, '{}'::jsonb, 10, 3 FROM devices WHERE serial_number = $2 RETURNING id
                """, [type, ChaosFleet.serial(device)])
            if let id = rows.rows.first?.first ?? nil {
                ledger.commandInserted(id: id, device: device, expectedStatus: type == "fail" ? "failed" : "completed")
            }
        } catch {
            connection?.close()
            connection = nil
        }
    }
}
