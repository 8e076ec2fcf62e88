import Foundation
import Operators
import Postgres
import WallTime

extension CommandStore {
    /// A plain SQL device lookup by serial number, MAC address (any case, with or without colons) or id,
    /// ignoring deleted devices; the gateway normally passes its device registry instead.
    public func resolveDevice(_ key: String) throws(StoreError) -> ResolvedDevice? {
        let rows = try execute("resolve device", """
            SELECT id, user_id, COALESCE(NULLIF(serial_number, ''), NULLIF(mac_address, ''), id::text) AS publish_key
            FROM devices
            WHERE deleted_at IS NULL AND (
                serial_number = $1
                OR lower(replace(mac_address, ':', '')) = lower(replace($1, ':', ''))
                OR id::text = lower($1))
            ORDER BY CASE WHEN serial_number = $1 THEN 0 WHEN id::text = lower($1) THEN 2 ELSE 1 END
            LIMIT 1
            """, [key])
        guard let id = rows[0, "id"].flatMap(UUID.init(uuidString:)) else { return nil }
        return ResolvedDevice(id: id, ownerID: rows[0, "user_id"].flatMap(UUID.init(uuidString:)), publishKey: rows[0, "publish_key"] ?? id.uuidString.lowercased())
    }

    /// Inserts an accepted operator command and its audit row in one statement; returns the command's id.
    public func insertOperatorCommand(
        _ request: OperatorCommandRequest, deviceID: UUID, userID: UUID, operatorKey: String, now: WallInstant
    ) throws(StoreError) -> UUID {
        let rows = try execute("insert operator command", """
            WITH command AS (
                INSERT INTO device_commands (device_id, user_id, command_type, command_data, status, max_retries, timeout_seconds, created_at)
                VALUES ($1::uuid, $2::uuid, $3, $4::jsonb, 'pending', $5::int, $6::int, \(SQLText.timestamp("$7::bigint")))
                RETURNING id
            ), audit AS (
                INSERT INTO audit_logs (user_id, entity_type, entity_id, action, new_values, request_id, created_at)
                SELECT $2::uuid, 'device_command', command.id, 'command.create',
                       $8::jsonb || jsonb_build_object('operator', $9::text), $10, \(SQLText.timestamp("$7::bigint"))
                FROM command
                RETURNING entity_id
            )
            SELECT entity_id AS id FROM audit
            """, [
                deviceID.uuidString, userID.uuidString, request.type, request.dataJSON, String(request.maxRetries),
                String(request.timeoutSeconds), String(now.microseconds), request.requestJSON, operatorKey, request.requestID,
            ])
        guard let id = rows[0, "id"].flatMap(UUID.init(uuidString:)) else {
            throw StoreError(.malformedRow, store: "commands", operation: "insert operator command", message: "no id returned")
        }
        return id
    }

    /// The command this operator already created with `requestID`, and its status, if any.
    ///
    /// `request_id` is the operator's idempotency key: a request delivered twice (an operator's QoS 1
    /// redelivery, or the ring replayed after a gateway crash) must not create a second command.
    public func existingOperatorCommand(requestID: String, userID: UUID) throws(StoreError) -> (id: UUID, status: String)? {
        let rows = try execute("find operator request", """
            SELECT c.id::text AS id, c.status FROM audit_logs a JOIN device_commands c ON c.id = a.entity_id
            WHERE a.request_id = $1 AND a.user_id = $2::uuid AND a.action = 'command.create'
            ORDER BY a.created_at LIMIT 1
            """, [requestID, userID.uuidString])
        guard rows.count == 1, let id = rows[0, "id"].flatMap(UUID.init(uuidString:)), let status = rows[0, "status"] else { return nil }
        return (id, status)
    }
}
