import Foundation
import Postgres
import WallTime

/// The database side of command delivery: claim, load and persist `device_commands` rows.
///
/// Every change is one statement (one implicit transaction), conditional on the row still
/// holding the status and retry count this gateway last saw, so several gateways (or a
/// gateway and a web app) can work on the same table: the first writer wins, the others are
/// told and reload. Not thread-safe: it owns one `PostgresConnection`, used from one thread.
public final class CommandStore {
    /// The NOTIFY channel of migration 0005; the payload is the id of a command that became pending.
    public static let notificationChannel = "mash_commands"

    public let connection: PostgresConnection

    public init(connection: PostgresConnection) {
        self.connection = connection
    }

    /// One conditional change of a row's lifecycle columns.
    public struct Transition: Sendable, Equatable {
        public var id: UUID
        /// The row must still hold these, or nothing is written (someone else changed it first).
        public var expectedStatus: CommandStatus
        public var expectedRetryCount: Int
        public var new: CommandSnapshot

        public init(id: UUID, expected: CommandSnapshot, new: CommandSnapshot) {
            self.id = id
            self.expectedStatus = expected.status
            self.expectedRetryCount = expected.retryCount
            self.new = new
        }
    }

    // MARK: Reading

    /// The columns of `CommandRow`, for a query over `device_commands c` (or a CTE aliased `c`).
    static let columns = """
        c.id, c.device_id, c.user_id, c.command_type, c.command_data::text AS command_data, c.status,
        COALESCE(c.retry_count, 0) AS retry_count, COALESCE(c.max_retries, 3) AS max_retries,
        COALESCE(c.timeout_seconds, 30) AS timeout_seconds,
        \(SQLText.microseconds("COALESCE(c.created_at, now() AT TIME ZONE 'UTC')")) AS created_us,
        \(SQLText.microseconds("c.sent_at")) AS sent_us,
        \(SQLText.microseconds("c.acknowledged_at")) AS acknowledged_us,
        \(SQLText.microseconds("c.completed_at")) AS completed_us,
        c.error_message,
        COALESCE(NULLIF(d.serial_number, ''), NULLIF(d.mac_address, ''), d.id::text) AS publish_key,
        COALESCE(d.status = 'online', false) AS device_online,
        a.request_id, a.new_values->>'operator' AS operator_key, a.new_values->>'device' AS device_key
        """

    /// Joins for `columns`: the device (publish key, presence) and the audit row of the operator request, if any.
    static let joins = """
        LEFT JOIN devices d ON d.id = c.device_id
        LEFT JOIN LATERAL (
            SELECT request_id, new_values FROM audit_logs
            WHERE entity_type = 'device_command' AND entity_id = c.id AND action = 'command.create'
            ORDER BY created_at LIMIT 1
        ) a ON true
        """

    /// Rows in `sent` or `acknowledged`: what a (re)started gateway must keep watching.
    public func loadActive() throws(StoreError) -> [CommandRow] {
        try query("load active commands", """
            SELECT \(Self.columns) FROM device_commands c \(Self.joins)
            WHERE c.status IN ('sent', 'acknowledged')
            """)
    }

    /// The rows with these ids, in any status (missing ids are absent from the result).
    public func load(ids: [UUID]) throws(StoreError) -> [CommandRow] {
        guard !ids.isEmpty else { return [] }
        return try query("load commands", """
            SELECT \(Self.columns) FROM device_commands c \(Self.joins)
            WHERE c.id = ANY($1::uuid[])
            """, [SQLText.array(ids)])
    }

    /// Which devices the claim may send to: those marked online in `devices`, or an explicit set.
    public enum OnlineDevices: Sendable, Equatable {
        /// `devices.status = 'online'` (kept by the presence service; consistent across gateways).
        case databaseStatus
        /// Exactly these devices (the caller's own presence view).
        case only(Set<UUID>)
    }

    /// Claims up to `limit` pending, unexpired commands of online devices, oldest first, and marks them
    /// `sent` at `now` in the same statement.
    ///
    /// `FOR UPDATE SKIP LOCKED` makes concurrent claimers take disjoint rows, and the claim *is*
    /// the move to `sent`: once the statement commits, no other gateway can claim the row again,
    /// so a command is published by one gateway only. The caller publishes after this returns.
    /// A crash between this commit and the publish leaves a `sent` row that nobody published: a
    /// restarted gateway rebuilds its timer from `sent_at`, and when no ack comes it is re-sent
    /// (costing at most one retry, never the command).
    public func claimPending(limit: Int, online: OnlineDevices, ttl: Duration, now: WallInstant) throws(StoreError) -> [CommandRow] {
        guard limit > 0 else { return [] }
        let onlineFilter: String
        var parameters: [String?] = [String(limit), String(now.microseconds), String(ttl.wholeMicroseconds)]
        switch online {
        case .databaseStatus:
            onlineFilter = "d.status = 'online'"
        case .only(let devices):
            guard !devices.isEmpty else { return [] }
            onlineFilter = "c.device_id = ANY($4::uuid[])"
            parameters.append(SQLText.array(Array(devices)))
        }
        return try query("claim pending commands", """
            WITH claimable AS (
                SELECT c.id FROM device_commands c JOIN devices d ON d.id = c.device_id
                WHERE c.status = 'pending' AND c.created_at > \(SQLText.timestamp("$2::bigint - $3::bigint"))
                  AND \(onlineFilter)
                ORDER BY c.created_at
                LIMIT $1::int
                FOR UPDATE OF c SKIP LOCKED
            ), claimed AS (
                UPDATE device_commands u SET status = 'sent', sent_at = \(SQLText.timestamp("$2::bigint"))
                FROM claimable WHERE u.id = claimable.id
                RETURNING u.*
            )
            SELECT \(Self.columns) FROM claimed c \(Self.joins)
            ORDER BY c.created_at
            """, parameters)
    }

    /// Times out, with error `expired`, every pending command created before `now - ttl` (claimed by nobody,
    /// usually because its device stayed offline) and returns them so their operators can be told.
    public func expirePending(ttl: Duration, now: WallInstant) throws(StoreError) -> [CommandRow] {
        try query("expire pending commands", """
            WITH expired AS (
                UPDATE device_commands u SET status = 'timeout', error_message = '\(CommandStateMachine.expiredError)',
                    completed_at = \(SQLText.timestamp("$1::bigint"))
                WHERE u.status = 'pending' AND u.created_at <= \(SQLText.timestamp("$1::bigint - $2::bigint"))
                RETURNING u.*
            )
            SELECT \(Self.columns) FROM expired c \(Self.joins)
            """, [String(now.microseconds), String(ttl.wholeMicroseconds)])
    }

    /// `sent` and `acknowledged` rows whose timer should have fired before `before`: orphans of a
    /// gateway that died, which a surviving gateway adopts.
    public func loadOverdue(before: WallInstant) throws(StoreError) -> [CommandRow] {
        try query("load overdue commands", """
            SELECT \(Self.columns) FROM device_commands c \(Self.joins)
            WHERE c.status IN ('sent', 'acknowledged')
              AND COALESCE(CASE c.status WHEN 'sent' THEN c.sent_at ELSE c.acknowledged_at END, c.created_at)
                  + COALESCE(c.timeout_seconds, 30) * interval '1 second' < \(SQLText.timestamp("$1::bigint"))
            """, [String(before.microseconds)])
    }

    // MARK: Writing

    /// Applies the transitions in one statement; returns the ids whose rows were changed.
    ///
    /// A transition whose row no longer holds its expected status and retry count is skipped:
    /// another gateway got there first, and the caller reloads that row instead of reporting.
    public func persist(_ transitions: [Transition]) throws(StoreError) -> Set<UUID> {
        guard !transitions.isEmpty else { return [] }
        func micros(_ instant: WallInstant?) -> String? { instant.map { String($0.microseconds) } }
        let parameters: [String?] = [
            SQLText.array(transitions.map(\.id)),
            SQLText.array(transitions.map { Optional($0.expectedStatus.rawValue) }),
            SQLText.array(transitions.map { Optional(String($0.expectedRetryCount)) }),
            SQLText.array(transitions.map { Optional($0.new.status.rawValue) }),
            SQLText.array(transitions.map { Optional(String($0.new.retryCount)) }),
            SQLText.array(transitions.map { micros($0.new.sentAt) }),
            SQLText.array(transitions.map { micros($0.new.acknowledgedAt) }),
            SQLText.array(transitions.map { micros($0.new.completedAt) }),
            SQLText.array(transitions.map(\.new.errorMessage)),
        ]
        let rows = try execute("persist command transitions", """
            UPDATE device_commands c SET
                status = v.status, retry_count = v.retry_count,
                sent_at = \(SQLText.timestamp("v.sent_us")),
                acknowledged_at = \(SQLText.timestamp("v.acknowledged_us")),
                completed_at = \(SQLText.timestamp("v.completed_us")),
                error_message = v.error_message
            FROM unnest($1::uuid[], $2::text[], $3::int[], $4::text[], $5::int[], $6::bigint[], $7::bigint[], $8::bigint[], $9::text[])
                AS v(id, expected_status, expected_retry_count, status, retry_count, sent_us, acknowledged_us, completed_us, error_message)
            WHERE c.id = v.id AND c.status = v.expected_status AND COALESCE(c.retry_count, 0) = v.expected_retry_count
            RETURNING c.id
            """, parameters)
        return Set(rows.rows.compactMap { $0.first.flatMap { $0 }.flatMap(UUID.init(uuidString:)) })
    }

    // MARK: Helpers

    @discardableResult
    func execute(_ operation: String, _ sql: String, _ parameters: [String?] = []) throws(StoreError) -> PostgresRows {
        do {
            return try connection.execute(sql, parameters)
        } catch {
            throw StoreError(.database, store: "commands", operation: operation, message: error.message, underlying: error)
        }
    }

    func query(_ operation: String, _ sql: String, _ parameters: [String?] = []) throws(StoreError) -> [CommandRow] {
        let rows = try execute(operation, sql, parameters)
        return try (0..<rows.count).map { (index: Int) throws(StoreError) -> CommandRow in try Self.row(rows, index, operation) }
    }

    static func row(_ rows: PostgresRows, _ index: Int, _ operation: String) throws(StoreError) -> CommandRow {
        func malformed(_ column: String) -> StoreError {
            StoreError(.malformedRow, store: "commands", operation: operation, message: "column \(column) is missing or malformed")
        }
        func micros(_ column: String) -> WallInstant? { rows[index, column].flatMap(Int64.init).map(WallInstant.init(microseconds:)) }
        guard let id = rows[index, "id"].flatMap(UUID.init(uuidString:)) else { throw malformed("id") }
        guard let status = rows[index, "status"].flatMap(CommandStatus.init(rawValue:)) else { throw malformed("status") }
        guard let created = micros("created_us") else { throw malformed("created_at") }
        let origin = rows[index, "operator_key"].map {
            OperatorOrigin(operatorKey: $0, requestID: rows[index, "request_id"], deviceKey: rows[index, "device_key"])
        }
        return CommandRow(
            id: id,
            deviceID: rows[index, "device_id"].flatMap(UUID.init(uuidString:)),
            userID: rows[index, "user_id"].flatMap(UUID.init(uuidString:)),
            commandType: rows[index, "command_type"] ?? "",
            commandDataJSON: rows[index, "command_data"] ?? "{}",
            snapshot: CommandSnapshot(
                status: status,
                retryCount: rows[index, "retry_count"].flatMap(Int.init) ?? 0,
                sentAt: micros("sent_us"),
                acknowledgedAt: micros("acknowledged_us"),
                completedAt: micros("completed_us"),
                errorMessage: rows[index, "error_message"]
            ),
            maxRetries: rows[index, "max_retries"].flatMap(Int.init) ?? 3,
            timeoutSeconds: rows[index, "timeout_seconds"].flatMap(Int.init) ?? 30,
            createdAt: created,
            publishKey: rows[index, "publish_key"],
            deviceOnline: rows[index, "device_online"] == "t",
            origin: origin
        )
    }
}
