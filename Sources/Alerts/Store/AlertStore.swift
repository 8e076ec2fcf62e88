import DeviceRegistry
import Foundation
import GatewayConfig
import Postgres

/// Threshold alerts' database I/O: loading open alerts, raising (alert + notification in one
/// statement), following `current_value` in batches, escalating, resolving, operator actions.
///
/// Raising is `INSERT … ON CONFLICT DO NOTHING` against `idx_alerts_one_open_threshold`, so the
/// database, not memory, guarantees one unresolved alert per device and rule (restarts, several
/// instances). Every write that depends on the alert still being open says so in its `WHERE`, so a
/// concurrent operator or application wins cleanly. Not thread-safe: one caller, like its connection.
public final class AlertStore: @unchecked Sendable {
    public let connection: PostgresConnection
    /// Statements sent so far.
    public private(set) var statementsExecuted = 0

    public init(connection: PostgresConnection) {
        self.connection = connection
    }

    @discardableResult
    private func execute(_ operation: String, _ sql: String, _ parameters: [String?] = []) throws(StoreError) -> PostgresRows {
        statementsExecuted += 1
        do {
            return try connection.execute(sql, parameters)
        } catch {
            throw StoreError(.database, store: "alerts", operation: operation, underlying: error)
        }
    }

    /// A value as a `numeric` literal parameter.
    static func number(_ value: Double) -> String { String(value) }

    // MARK: Loading

    private static let openColumns = """
        SELECT a.id, a.device_id, COALESCE(NULLIF(d.serial_number, ''), NULLIF(d.mac_address, ''), d.id::text) AS publish_key,
               a.threshold_config::text AS rule, a.threshold_config ->> 'name' AS name, a.severity, a.title,
               COALESCE(a.escalation_level, 1) AS level, COALESCE(a.acknowledged, false) AS ack,
               COALESCE((a.metadata ->> 'escalated_at_us')::bigint, \(SQLText.microseconds("a.created_at"))) AS escalated_at,
               COALESCE(a.current_value, a.trigger_value, 0)::float8 AS current
        FROM alerts a JOIN devices d ON d.id = a.device_id
        WHERE a.alert_type = 'threshold' AND a.resolved IS NOT TRUE AND a.threshold_config ? 'name'
        """

    /// Every unresolved threshold alert.
    public func loadOpen() throws(StoreError) -> [StoredThresholdAlert] {
        try Self.stored(execute("load open threshold alerts", Self.openColumns))
    }

    /// The unresolved alert of `device` for the rule `name`, if any (after a raise found one already open).
    public func open(device: PackedUUID, rule name: String) throws(StoreError) -> StoredThresholdAlert? {
        try Self.stored(execute("load an open threshold alert", Self.openColumns + " AND a.device_id = $1::uuid AND a.threshold_config ->> 'name' = $2",
                                [device.string, name])).first
    }

    /// Per device and rule, the newest reading time an alert records as judged (`judged_through_us`,
    /// written with each raise and auto-resolve), over open alerts and those resolved within
    /// `judgedWindowDays`: what a restarted engine must not judge again.
    ///
    /// Bounded by age because replays come from the last run's ring and spool (seconds to an
    /// outage's length); a resolve older than the window cannot be undone by them in practice, and
    /// the query stays one scan of recent alerts however long the table grows.
    public func loadJudgedThrough() throws(StoreError) -> [(deviceID: PackedUUID, ruleName: String, micros: Int64)] {
        let rows = try execute("load judged readings", """
            SELECT a.device_id, a.threshold_config ->> 'name' AS name, max((a.metadata ->> 'judged_through_us')::bigint) AS judged
            FROM alerts a
            WHERE a.alert_type = 'threshold' AND a.threshold_config ? 'name' AND a.metadata ? 'judged_through_us'
              AND (a.resolved IS NOT TRUE OR a.resolved_at >= (now() AT TIME ZONE 'UTC') - make_interval(days => $1::int))
            GROUP BY 1, 2
            """, [String(Self.judgedWindowDays)])
        return (0..<rows.count).compactMap { index in
            guard let device = rows[index, "device_id"].flatMap({ PackedUUID($0) }), let name = rows[index, "name"],
                  let micros = rows[index, "judged"].flatMap({ Int64($0) }) else { return nil }
            return (device, name, micros)
        }
    }

    /// Per device and rule whose newest alert (within `judgedWindowDays`) was resolved by an operator or
    /// another application while its value was still beyond the bound by `hysteresis`, and no reading
    /// has come back inside since (`back_inside_us` not written): a restarted engine waits for the
    /// value to come back before it raises that rule again, as the running one did.
    ///
    /// Auto-resolved alerts are left out by their mark (`resolved_by_value`), not by their value,
    /// so a rule whose hysteresis changed since cannot turn an auto-resolve into a wait.
    public func loadCleared() throws(StoreError) -> [(deviceID: PackedUUID, ruleName: String)] {
        let rows = try execute("load operator-resolved alerts", """
            SELECT device_id, name, rule, current FROM (
                SELECT DISTINCT ON (a.device_id, a.threshold_config ->> 'name')
                       a.device_id, a.threshold_config ->> 'name' AS name, a.threshold_config::text AS rule,
                       COALESCE(a.current_value, a.trigger_value)::float8 AS current, a.resolved, a.metadata
                FROM alerts a
                WHERE a.alert_type = 'threshold' AND a.threshold_config ? 'name'
                  AND a.created_at >= (now() AT TIME ZONE 'UTC') - make_interval(days => $1::int)
                ORDER BY a.device_id, a.threshold_config ->> 'name', a.created_at DESC
            ) newest
            WHERE resolved IS TRUE AND NOT COALESCE(metadata ? 'back_inside_us', false)
              AND NOT COALESCE((metadata ->> 'resolved_by_value')::boolean, false)
            """, [String(Self.judgedWindowDays)])
        return (0..<rows.count).compactMap { index in
            guard let device = rows[index, "device_id"].flatMap({ PackedUUID($0) }), let name = rows[index, "name"],
                  let rule = rows[index, "rule"].flatMap({ try? JSONDecoder().decode(AlertRule.self, from: Data($0.utf8)) }),
                  let current = rows[index, "current"].flatMap({ Double($0) }),
                  !ThresholdRuleMachine.isBackInside(rule, current) else { return nil }
            return (device, name)
        }
    }

    /// How far back resolved alerts still guard against a replay (see `loadJudgedThrough`).
    public static let judgedWindowDays = 7

    private static func stored(_ rows: PostgresRows) -> [StoredThresholdAlert] {
        (0..<rows.count).compactMap { index in
            guard let id = rows[index, "id"], let device = rows[index, "device_id"].flatMap({ PackedUUID($0) }),
                  let name = rows[index, "name"] else { return nil }
            let rule = rows[index, "rule"].flatMap { try? JSONDecoder().decode(AlertRule.self, from: Data($0.utf8)) }
            return StoredThresholdAlert(
                id: id, deviceID: device, publishKey: rows[index, "publish_key"] ?? device.string, rule: rule, ruleName: name,
                severity: rows[index, "severity"] ?? "medium", title: rows[index, "title"] ?? "",
                open: .init(
                    level: rows[index, "level"].flatMap { Int($0) } ?? 1, acknowledged: rows[index, "ack"] == "t",
                    lastEscalationAt: rows[index, "escalated_at"].flatMap { Int64($0) } ?? 0,
                    current: rows[index, "current"].flatMap { Double($0) } ?? 0))
        }
    }

    // MARK: The engine's writes

    /// Inserts the alert and, when the device has an owner, its notification, in ONE statement.
    /// Returns the new alert's id, or nil when one is already open for this device and rule.
    /// `judgedThrough`: the time of the reading that raised it (kept in `metadata.judged_through_us`).
    public func raise(
        device: PackedUUID, rule: AlertRule, title: String, message: String, trigger: Double, at: Int64, judgedThrough: Int64
    ) throws(StoreError) -> String? {
        let ruleJSON = String(decoding: (try? Self.ruleEncoder.encode(rule)) ?? Data("{}".utf8), as: UTF8.self)
        let ts = SQLText.timestamp("$8::bigint")
        let rows = try execute("raise threshold alert", """
            WITH new_alert AS (
                INSERT INTO alerts (device_id, alert_type, severity, title, message, threshold_config, trigger_value, current_value,
                                    auto_resolve, escalation_level, metadata, created_at, updated_at)
                VALUES ($1::uuid, 'threshold', $2, left($3, 255), $4, $5::jsonb, $6::numeric, $6::numeric, $7::boolean, 1,
                        jsonb_build_object('escalated_at_us', $8::bigint, 'judged_through_us', $11::bigint), \(ts), \(ts))
                ON CONFLICT (device_id, (threshold_config ->> 'name')) WHERE alert_type = 'threshold' AND resolved IS NOT TRUE DO NOTHING
                RETURNING id, device_id
            ), note AS (
                INSERT INTO notifications (user_id, type, title, message, data, priority, created_at)
                SELECT d.user_id, 'alert', left($3, 255), $4,
                       jsonb_build_object('alert_id', a.id, 'device_id', a.device_id, 'rule', $9::text, 'event', 'raised',
                                          'severity', $2::text, 'escalation_level', 1, 'value', $6::numeric),
                       $10, \(ts)
                FROM new_alert a JOIN devices d ON d.id = a.device_id
                WHERE d.user_id IS NOT NULL
                RETURNING id
            )
            SELECT id FROM new_alert
            """, [
                device.string, rule.severity.rawValue, title, message, ruleJSON, Self.number(trigger), rule.autoResolve ? "true" : "false",
                String(at), rule.name, rule.severity.notificationPriority, String(judgedThrough),
            ])
        return rows[0, "id"]
    }

    private static let ruleEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    /// Sets `escalation_level` and adds the owner's notification, in ONE statement; false when the
    /// alert is no longer open and unacknowledged (someone acted meanwhile: nothing written).
    public func escalate(alertID: String, level: Int, at: Int64, priority: String) throws(StoreError) -> Bool {
        let ts = SQLText.timestamp("$3::bigint")
        let rows = try execute("escalate threshold alert", """
            WITH escalated AS (
                UPDATE alerts SET escalation_level = $2::int, updated_at = \(ts),
                       metadata = COALESCE(metadata, '{}'::jsonb) || jsonb_build_object('escalated_at_us', $3::bigint)
                WHERE id = $1::uuid AND resolved IS NOT TRUE AND acknowledged IS NOT TRUE
                RETURNING id, device_id, title, message, severity, threshold_config ->> 'name' AS rule, current_value
            ), note AS (
                INSERT INTO notifications (user_id, type, title, message, data, priority, created_at)
                SELECT d.user_id, 'alert', left('Escalated to level ' || $2::int || ': ' || e.title, 255), e.message,
                       jsonb_build_object('alert_id', e.id, 'device_id', e.device_id, 'rule', e.rule, 'event', 'escalated',
                                          'severity', e.severity, 'escalation_level', $2::int, 'value', e.current_value),
                       $4, \(ts)
                FROM escalated e JOIN devices d ON d.id = e.device_id
                WHERE d.user_id IS NOT NULL
                RETURNING id
            )
            SELECT id FROM escalated
            """, [alertID, String(level), String(at), priority])
        return !rows.isEmpty
    }

    /// Auto-resolves an open alert; false when it was already resolved. `judgedThrough`: the time of
    /// the reading that resolved it (`metadata.judged_through_us`).
    public func autoResolve(alertID: String, current: Double, at: Int64, judgedThrough: Int64) throws(StoreError) -> Bool {
        let ts = SQLText.timestamp("$3::bigint")
        return try !execute("auto-resolve threshold alert", """
            UPDATE alerts SET resolved = TRUE, resolved_at = \(ts), current_value = $2::numeric, updated_at = \(ts),
                   metadata = COALESCE(metadata, '{}'::jsonb) || jsonb_build_object('judged_through_us', $4::bigint, 'resolved_by_value', true)
            WHERE id = $1::uuid AND resolved IS NOT TRUE
            RETURNING id
            """, [alertID, Self.number(current), String(at), String(judgedThrough)]).isEmpty
    }

    /// The value of `device`'s rule `ruleName` is back inside after an operator resolved its newest
    /// alert while beyond the bound: kept with that alert (`back_inside_us`), so `loadCleared` no
    /// longer returns it. Rare (once per such resolve), so one statement of its own.
    public func markBackInside(device: PackedUUID, ruleName: String, judgedThrough: Int64) throws(StoreError) {
        try execute("mark alert back inside", """
            UPDATE alerts SET metadata = COALESCE(metadata, '{}'::jsonb) || jsonb_build_object('back_inside_us', $3::bigint)
            WHERE id = (SELECT id FROM alerts
                        WHERE device_id = $1::uuid AND alert_type = 'threshold' AND threshold_config ->> 'name' = $2 AND resolved IS TRUE
                        ORDER BY created_at DESC LIMIT 1)
            """, [device.string, ruleName, String(judgedThrough)])
    }

    /// Writes the latest `current_value` of several open alerts in ONE statement; returns the ids
    /// that turned out to be resolved already (by someone else), so the engine can forget them.
    public func updateCurrentValues(_ values: [String: Double]) throws(StoreError) -> Set<String> {
        guard !values.isEmpty else { return [] }
        let ids = Array(values.keys)
        let rows = try execute("update current values", """
            UPDATE alerts a SET current_value = v.value, updated_at = (now() AT TIME ZONE 'UTC')
            FROM unnest($1::uuid[], $2::numeric[]) AS v(id, value)
            WHERE a.id = v.id AND a.resolved IS NOT TRUE
            RETURNING a.id
            """, [SQLText.plainArray(ids), SQLText.plainArray(ids.map { Self.number(values[$0]!) })])
        let updated = Set((0..<rows.count).compactMap { rows[$0, "id"] })
        return Set(ids).subtracting(updated)
    }

    // MARK: Operator actions

    /// Any alert by id, with its device's owner and publish key; nil when there is none.
    public func target(alertID: UUID) throws(StoreError) -> AlertTarget? {
        let rows = try execute("look up alert", """
            SELECT a.id, a.alert_type, a.device_id, d.user_id,
                   COALESCE(NULLIF(d.serial_number, ''), NULLIF(d.mac_address, ''), d.id::text) AS publish_key,
                   a.severity, a.title, COALESCE(a.escalation_level, 1) AS level, a.current_value::float8 AS current,
                   COALESCE(a.acknowledged, false) AS ack, COALESCE(a.resolved, false) AS resolved
            FROM alerts a LEFT JOIN devices d ON d.id = a.device_id
            WHERE a.id = $1::uuid
            """, [alertID.uuidString])
        guard let id = rows[0, "id"] else { return nil }
        return AlertTarget(
            id: id, alertType: rows[0, "alert_type"] ?? "", deviceID: rows[0, "device_id"].flatMap(UUID.init(uuidString:)),
            ownerID: rows[0, "user_id"].flatMap(UUID.init(uuidString:)), publishKey: rows[0, "publish_key"],
            severity: rows[0, "severity"] ?? "", title: rows[0, "title"] ?? "",
            escalationLevel: rows[0, "level"].flatMap { Int($0) } ?? 1, currentValue: rows[0, "current"].flatMap { Double($0) },
            acknowledged: rows[0, "ack"] == "t", resolved: rows[0, "resolved"] == "t")
    }

    /// Sets `acknowledged`, `acknowledged_by`, `acknowledged_at`; false when it was already acknowledged or is resolved.
    public func acknowledge(alertID: String, by userID: UUID, at: Int64) throws(StoreError) -> Bool {
        let ts = SQLText.timestamp("$3::bigint")
        return try !execute("acknowledge alert", """
            UPDATE alerts SET acknowledged = TRUE, acknowledged_by = $2::uuid, acknowledged_at = \(ts), updated_at = \(ts)
            WHERE id = $1::uuid AND resolved IS NOT TRUE AND acknowledged IS NOT TRUE
            RETURNING id
            """, [alertID, userID.uuidString, String(at)]).isEmpty
    }

    /// Sets `resolved`, `resolved_by`, `resolved_at`; false when it was already resolved.
    public func resolve(alertID: String, by userID: UUID, at: Int64) throws(StoreError) -> Bool {
        let ts = SQLText.timestamp("$3::bigint")
        return try !execute("resolve alert", """
            UPDATE alerts SET resolved = TRUE, resolved_by = $2::uuid, resolved_at = \(ts), updated_at = \(ts)
            WHERE id = $1::uuid AND resolved IS NOT TRUE
            RETURNING id
            """, [alertID, userID.uuidString, String(at)]).isEmpty
    }
}
