import Foundation
import Postgres

/// Operators in the database: who is behind an `{operator}` key, and the audit trail of what they asked.
///
/// Borrows its caller's connection (the command or the alert thread's), so it is as
/// thread-safe as that connection: used from one thread.
public struct OperatorStore {
    public let connection: PostgresConnection

    public init(connection: PostgresConnection) {
        self.connection = connection
    }

    /// The user behind an `{operator}` key: `email` (case-insensitive), else `clerk_user_id`, else `id` (CONTRACT §3).
    public func user(key: String) throws(StoreError) -> OperatorUser? {
        let rows = try execute("look up operator", """
            SELECT id, COALESCE(role, 'user') AS role, COALESCE(is_active, false) AS active, deleted_at IS NOT NULL AS deleted
            FROM users
            WHERE lower(email) = lower($1) OR clerk_user_id = $1 OR id::text = lower($1)
            ORDER BY CASE WHEN lower(email) = lower($1) THEN 0 WHEN clerk_user_id = $1 THEN 1 ELSE 2 END
            LIMIT 1
            """, [key])
        guard let id = rows[0, "id"].flatMap(UUID.init(uuidString:)) else { return nil }
        return OperatorUser(id: id, role: rows[0, "role"] ?? "user", isActive: rows[0, "active"] == "t", isDeleted: rows[0, "deleted"] == "t")
    }

    /// Inserts one `audit_logs` row.
    public func insert(_ row: AuditRow) throws(StoreError) {
        try execute("insert audit row", """
            INSERT INTO audit_logs (user_id, entity_type, entity_id, action, new_values, request_id, created_at)
            VALUES ($1::uuid, $2, $3::uuid, $4, $5::jsonb || $6::jsonb, $7, \(SQLText.timestamp("$8::bigint")))
            """, [
                row.userID?.uuidString, row.entityType, row.entityID.uuidString, row.action, row.newValuesJSON, row.extraJSON,
                row.requestID, String(row.atMicros),
            ])
    }

    @discardableResult
    private func execute(_ operation: String, _ sql: String, _ parameters: [String?]) throws(StoreError) -> PostgresRows {
        do {
            return try connection.execute(sql, parameters)
        } catch {
            throw StoreError(.database, store: "operators", operation: operation, message: error.message, underlying: error)
        }
    }
}
