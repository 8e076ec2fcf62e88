import Logging
import Postgres
import Telemetry

/// The SQL behind ``DeviceDirectory`` and the decoding of its rows.
enum DeviceQueries {
    static let columns = """
        id::text, name, serial_number, mac_address, user_id::text, configuration::text, timezone,
        (configuration -> 'sensor_map')::text
        """

    /// Every live device, oldest first (so MAC collisions resolve the same way on every load).
    static let all = "SELECT \(columns) FROM devices WHERE deleted_at IS NULL ORDER BY created_at, id"

    /// Live devices a `{device}` key could name, by any of its three forms; the caller applies precedence.
    /// The MAC arm uses `idx_devices_mac_normalized` (migration 0004).
    static let byKey = """
        SELECT \(columns) FROM devices
        WHERE deleted_at IS NULL
          AND (serial_number = $1
               OR ($2::text IS NOT NULL AND lower(replace(mac_address, ':', '')) = $2::text)
               OR ($3::uuid IS NOT NULL AND id = $3::uuid))
        """

    /// One row by id, if it is live.
    static let byID = "SELECT \(columns) FROM devices WHERE id = $1::uuid AND deleted_at IS NULL"

    /// `ingest.unknown_devices: register` (contract §2); a conflict on any unique column (the same key
    /// registered by another gateway, or a soft-deleted device holding the serial) inserts nothing.
    static let register = """
        INSERT INTO devices (name, device_type, serial_number) VALUES ($1, 'unregistered', $1)
        ON CONFLICT DO NOTHING
        """

    static func parameters(forKey key: Substring) -> [String?] {
        [String(key), DeviceKey.normalizedMAC(key), DeviceKey.normalizedUUID(key)]
    }

    /// The rows as records; a `sensor_map` that is not an object of strings is logged and left out.
    static func records(_ rows: PostgresRows, logger: Logger) -> [DeviceRecord] {
        rows.rows.compactMap { row in
            guard row.count == 8, let idText = row[0], let id = PackedUUID(idText) else { return nil }
            var record = DeviceRecord(
                id: id, name: row[1] ?? "", serialNumber: row[2], macAddress: row[3],
                ownerID: row[4], configuration: row[5], timezone: row[6]
            )
            switch SensorMap.parse(json: row[7]) {
            case .success(let map): record.sensorMap = map
            case .failure(let problem):
                logger.warning("device sensor_map ignored", metadata: ["device": "\(record.publishKey)", "problem": "\(problem.detail)"])
            case nil: break
            }
            return record
        }
    }
}
