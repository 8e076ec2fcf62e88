import Foundation
import Operators
import Postgres
import Telemetry

/// Device provisioning in the database: what `mash-gateway devices add|list|remove` do.
///
/// Every change runs in one transaction and either happens whole or not at all: a refused
/// request (duplicate serial or MAC, unknown owner, no such device) leaves the table as it was.
/// The gateway's device cache follows through migration 0004's `mash_devices` trigger, so a
/// running gateway sees an added or removed device within its notification round trip.
/// Borrows its caller's connection; used from one thread.
public struct DeviceStore {
    public let connection: PostgresConnection

    public init(connection: PostgresConnection) {
        self.connection = connection
    }

    /// What `add` did.
    public struct Added: Sendable, Equatable {
        public var id: String
        /// True when a removed device with this serial was brought back (same id, its readings kept).
        public var restored: Bool
    }

    /// Registers `device`; `beforeCommit` runs inside the transaction with the new id (broker
    /// credentials), and an error from it rolls the row back.
    public func add(_ device: NewDevice, beforeCommit: (String) throws(DeviceAdminError) -> Void = { _ throws(DeviceAdminError) in }) throws(DeviceAdminError) -> Added {
        do {
            return try connection.transaction { () throws -> Added in
                let ownerID = try device.ownerKey.map { key throws(DeviceAdminError) in try owner(key) }
                let existing = try execute(
                    "SELECT id::text, deleted_at IS NOT NULL AS deleted FROM devices WHERE serial_number = $1 FOR UPDATE",
                    [device.serialNumber])
                if let id = existing[0, "id"], existing[0, "deleted"] == "f" {
                    throw DeviceAdminError(.conflict, "device \"\(device.serialNumber)\" already exists (id \(id)); nothing added")
                }
                let restoring = existing[0, "id"]
                if let mac = device.macAddress {
                    let holder = try execute("""
                        SELECT COALESCE(serial_number, id::text) AS key, deleted_at IS NOT NULL AS deleted FROM devices
                        WHERE lower(replace(mac_address, ':', '')) = $1 AND id IS DISTINCT FROM $2::uuid LIMIT 1
                        """, [DeviceKey.normalizedMAC(mac), restoring])
                    if let key = holder[0, "key"] {
                        let removed = holder[0, "deleted"] == "t" ? "removed " : ""
                        throw DeviceAdminError(.conflict, "MAC address \(mac) already belongs to \(removed)device \"\(key)\"; nothing added")
                    }
                }
                let id: String
                if let restoring {
                    try execute("""
                        UPDATE devices SET deleted_at = NULL, name = $2, device_type = $3, mac_address = $4, user_id = $5::uuid,
                                           status = 'offline', updated_at = CURRENT_TIMESTAMP
                        WHERE id = $1::uuid
                        """, [restoring, device.name, device.deviceType, device.macAddress, ownerID])
                    id = restoring
                } else {
                    let inserted = try execute("""
                        INSERT INTO devices (serial_number, mac_address, name, device_type, user_id)
                        VALUES ($1, $2, $3, $4, $5::uuid) RETURNING id::text
                        """, [device.serialNumber, device.macAddress, device.name, device.deviceType, ownerID])
                    guard let new = inserted[0, "id"] else { throw DeviceAdminError(.unavailable, "INSERT returned no id") }
                    id = new
                }
                try beforeCommit(id)
                return Added(id: id, restored: restoring != nil)
            }
        } catch let error as DeviceAdminError {
            throw error
        } catch let error as PostgresError {
            throw Self.translate(error, serial: device.serialNumber)
        } catch {
            throw DeviceAdminError(.unavailable, "\(error)")
        }
    }

    /// Every device not deleted, oldest first, with its owner's email.
    public func list() throws(DeviceAdminError) -> [DeviceListing] {
        let rows = try execute("""
            SELECT d.id::text AS id, d.name, d.device_type, d.serial_number, d.mac_address, COALESCE(d.status, 'offline') AS status,
                   \(SQLText.microseconds("d.last_seen")) AS last_seen, u.email
            FROM devices d LEFT JOIN users u ON u.id = d.user_id
            WHERE d.deleted_at IS NULL
            ORDER BY d.created_at, d.id
            """, [])
        return (0..<rows.count).compactMap { i in
            guard let id = rows[i, "id"] else { return nil }
            let serial = rows[i, "serial_number"], mac = rows[i, "mac_address"]
            return DeviceListing(
                key: serial ?? mac ?? id, id: id, name: rows[i, "name"] ?? "", deviceType: rows[i, "device_type"] ?? "",
                serialNumber: serial, macAddress: mac, status: rows[i, "status"] ?? "offline",
                lastSeenMicros: rows[i, "last_seen"].flatMap { Int64($0) }, ownerEmail: rows[i, "email"])
        }
    }

    /// What `remove` did.
    public struct Removed: Sendable, Equatable {
        public var id: String
        public var key: String
    }

    /// Soft-deletes the live device named by `key` (a `{device}` key: serial, else MAC, else id).
    /// Its readings stay; its telemetry is from then on `unknown_device`.
    public func remove(key: String) throws(DeviceAdminError) -> Removed {
        let rows = try execute("""
            UPDATE devices SET deleted_at = CURRENT_TIMESTAMP, updated_at = CURRENT_TIMESTAMP
            WHERE id = (
                SELECT id FROM devices
                WHERE deleted_at IS NULL
                  AND (serial_number = $1
                       OR ($2::text IS NOT NULL AND lower(replace(mac_address, ':', '')) = $2::text)
                       OR ($3::uuid IS NOT NULL AND id = $3::uuid))
                ORDER BY CASE WHEN serial_number = $1 THEN 0 WHEN $2::text IS NOT NULL AND lower(replace(mac_address, ':', '')) = $2::text THEN 1 ELSE 2 END
                LIMIT 1)
            RETURNING id::text AS id, COALESCE(serial_number, mac_address, id::text) AS key
            """, [key, DeviceKey.normalizedMAC(key), DeviceKey.normalizedUUID(key)])
        guard let id = rows[0, "id"] else {
            throw DeviceAdminError(.conflict, "no device \"\(key)\" (by serial, MAC or id among devices not removed); nothing removed")
        }
        return Removed(id: id, key: rows[0, "key"] ?? key)
    }

    /// The id of the user behind an operator key, refusing deleted users.
    private func owner(_ key: String) throws(DeviceAdminError) -> String {
        let user: OperatorUser?
        do {
            user = try OperatorStore(connection: connection).user(key: key)
        } catch {
            throw DeviceAdminError(.unavailable, "\(error)")
        }
        guard let user, !user.isDeleted else {
            throw DeviceAdminError(.conflict, "no user \"\(key)\" (by email, clerk_user_id or id) to own the device; nothing added")
        }
        return user.id.uuidString.lowercased()
    }

    @discardableResult
    private func execute(_ sql: String, _ parameters: [String?]) throws(DeviceAdminError) -> PostgresRows {
        do {
            return try connection.execute(sql, parameters)
        } catch {
            throw Self.translate(error, serial: nil)
        }
    }

    /// A unique violation that slipped past the checks (another `add` racing this one) is a conflict.
    static func translate(_ error: PostgresError, serial: String?) -> DeviceAdminError {
        if error.sqlState == "23505" {
            return DeviceAdminError(.conflict, "device \(serial.map { "\"\($0)\" " } ?? "")conflicts with an existing one: \(error.detail ?? error.message); nothing added")
        }
        if error.code == .queryFailed {
            return DeviceAdminError(.unavailable, "\(error)")
        }
        return DeviceAdminError(.unavailable, "database unreachable: \(error)")
    }
}
