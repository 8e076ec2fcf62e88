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

    /// How many live devices there are, and how many of them have a MAC, in the load's snapshot (to size the cache once).
    static let liveCount = "SELECT count(*), count(mac_address) FROM devices WHERE deleted_at IS NULL"

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

    /// Every live device, `pageSize` rows at a time, from one snapshot: `sizeHint` gets the number
    /// of devices and of MACs first, then `body` each page of rows.
    ///
    /// A cursor in a read-only transaction, so the whole fleet is never held as text at once (one
    /// result of 100,000 rows costs tens of megabytes, first in libpq and then as Swift strings, and
    /// the allocator keeps much of that peak resident afterwards). A plain transaction and a
    /// non-holdable cursor also work through a transaction pooler.
    static func forEachPage(
        on connection: PostgresConnection, pageSize: Int = 5_000,
        sizeHint: (_ devices: Int, _ macs: Int) -> Void, _ body: (PostgresRows) -> Void
    ) throws(PostgresError) {
        try connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        do throws(PostgresError) {
            let counts = try connection.execute(liveCount).rows.first ?? []
            func number(_ column: Int) -> Int { counts.indices.contains(column) ? counts[column].flatMap { Int($0) } ?? 0 : 0 }
            sizeHint(number(0), number(1))
            try connection.execute("DECLARE mash_device_load NO SCROLL CURSOR FOR \(all)")
            while true {
                let rows = try connection.execute("FETCH FORWARD \(pageSize) FROM mash_device_load")
                body(rows)
                if rows.count < pageSize { break }
            }
            try connection.execute("COMMIT")
        } catch {
            if connection.isConnected { _ = try? connection.execute("ROLLBACK") }
            throw error
        }
    }

    /// The rows as records; a `sensor_map` that is not an object of strings is logged and left out.
    ///
    /// `interner` shares the storage of texts that repeat across devices (owner, configuration,
    /// time zone); pass the same one for every page of a load.
    static func records(_ rows: PostgresRows, interning interner: inout TextInterner, logger: Logger) -> [DeviceRecord] {
        rows.rows.compactMap { row in
            guard row.count == 8, let idText = row[0], let id = PackedUUID(idText) else { return nil }
            var record = DeviceRecord(
                id: id, name: row[1] ?? "", serialNumber: row[2], macAddress: row[3],
                ownerID: interner.intern(row[4]), configuration: interner.intern(row[5]), timezone: interner.intern(row[6])
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

    /// The rows as records, for the few rows of a lookup or a change (nothing worth sharing).
    static func records(_ rows: PostgresRows, logger: Logger) -> [DeviceRecord] {
        var interner = TextInterner(capacity: 0)
        return records(rows, interning: &interner, logger: logger)
    }
}
