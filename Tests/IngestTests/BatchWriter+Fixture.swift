import Foundation
import GatewayConfig
@testable import Ingest
import Postgres
import Telemetry
import TestSupport
import WallTime

/// A migrated, seeded database with two devices, and helpers to read rows back.
struct IngestFixture {
    let url: String
    let db: PostgresConnection
    let devices: [(UInt64, UInt64)]
    let deviceText: [String]
    let temperature: (UInt64, UInt64)
    let humidity: (UInt64, UInt64)

    static func make(on cluster: TestPostgres? = nil) async throws -> IngestFixture {
        let cluster = if let cluster { cluster } else { try await TestPostgres.shared() }
        let url = try await cluster.migratedDatabase(seed: true)
        let db = try PostgresConnection.connect(url)
        let ids = try db.execute("""
            INSERT INTO devices (name, device_type, serial_number) VALUES ('d1', 'sensor', 'sn-1'), ('d2', 'sensor', 'sn-2')
            RETURNING id
            """).rows.map { $0[0]! }
        let sensors = try db.execute("SELECT id FROM sensor_types WHERE name IN ('temperature', 'humidity') ORDER BY name").rows.map { $0[0]! }
        precondition(sensors.count == 2, "the seed must have temperature and humidity")
        return IngestFixture(
            url: url, db: db, devices: ids.map(halves), deviceText: ids,
            temperature: halves(sensors[1]), humidity: halves(sensors[0])
        )
    }

    func writer(_ interval: PartitionInterval = .day, mode: ExactlyOnceMode = .optimistic, retention: Int = 365) throws -> BatchWriter {
        try BatchWriter.connect(url: url, partitions: PartitionSettings(interval: interval, retentionDays: retention, premake: 2), mode: mode)
    }

    func count(_ sql: String = "SELECT count(*) FROM sensor_readings") throws -> Int {
        Int(try db.execute(sql).rows[0][0] ?? "-1") ?? -1
    }

    func partitions() throws -> [String] {
        try db.execute("SELECT partition_name FROM mash_partitions() ORDER BY range_start").rows.map { $0[0]! }
    }
}

func halves(_ text: String) -> (UInt64, UInt64) {
    let hex = text.replacingOccurrences(of: "-", with: "")
    return (UInt64(hex.prefix(16), radix: 16)!, UInt64(hex.suffix(16), radix: 16)!)
}

/// Unix µs of a UTC wall-clock time.
func micros(_ y: Int, _ m: Int, _ d: Int, _ hh: Int64 = 0, _ mm: Int64 = 0, _ ss: Int64 = 0, _ us: Int64 = 0) -> Int64 {
    CivilDate(year: y, month: m, day: d).dayNumber * CivilDate.microsPerDay + ((hh * 60 + mm) * 60 + ss) * 1_000_000 + us
}

func nowMicros() -> Int64 { WallInstant.now().microseconds }

extension ReadingBatch {
    /// Appends a reading with optional metadata text.
    @discardableResult
    mutating func add(_ device: (UInt64, UInt64), _ sensor: (UInt64, UInt64), _ scaled: Int64, at ts: Int64,
                      quality: ReadingQuality? = nil, metadata: String? = nil) -> Bool {
        if let metadata {
            return Array(metadata.utf8).withUnsafeBytes {
                append(deviceID: device, sensorTypeID: sensor, scaledValue: scaled, quality: quality, timestampMicros: ts, metadata: $0)
            }
        }
        return append(deviceID: device, sensorTypeID: sensor, scaledValue: scaled, quality: quality, timestampMicros: ts, metadata: nil)
    }
}
