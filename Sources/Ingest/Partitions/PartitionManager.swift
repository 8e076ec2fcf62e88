import GatewayConfig
import Postgres
import WallTime

/// Keeps `sensor_readings` partitioned ahead of the rows: creates missing partitions on demand
/// and ahead of time, and drops expired ones.
///
/// One owner (a `BatchWriter`) uses it with its own connection. It remembers which days are
/// covered, so `ensure` for a batch whose days are all known sends no SQL at all; creation goes
/// through the SQL `mash_ensure_partition` (migration 0003), which is safe against other
/// gateways doing the same at once and respects partitions of any other interval (an interval
/// change between runs only fills gaps). Each call runs in its own short autocommit statement,
/// never inside a batch transaction, so the parent's lock is not held while rows are copied.
public struct PartitionManager: Sendable {
    public let settings: PartitionSettings
    /// Partitions known from the last `refresh`, sorted by start.
    public private(set) var known: [PartitionRange] = []
    /// Days (since 1970-01-01) known to be wholly covered by `known`.
    private var coveredDays: Set<Int64> = []
    private var loaded = false

    public init(settings: PartitionSettings) {
        self.settings = settings
    }

    public var interval: PartitionInterval { settings.interval }

    /// Forgets what is known (after a reconnect, or when the server says a partition is missing).
    public mutating func invalidate() {
        known.removeAll()
        coveredDays.removeAll()
        loaded = false
    }

    /// Reads every partition of `sensor_readings` from the catalog.
    public mutating func refresh(on connection: PostgresConnection) throws(PostgresError) {
        let rows = try connection.execute("""
            SELECT partition_schema, partition_name,
                   CASE WHEN isfinite(range_start) THEN \(SQLText.microseconds("range_start")) END,
                   CASE WHEN isfinite(range_end) THEN \(SQLText.microseconds("range_end")) END,
                   range_start = '-infinity'::timestamp
            FROM mash_partitions() ORDER BY range_start
            """)
        known = rows.rows.map { row in
            PartitionRange(
                schema: row[0] ?? "public", name: row[1] ?? "",
                startMicros: row[2].flatMap { Int64($0) } ?? (row[4] == "t" ? .min : .max),
                endMicros: row[3].flatMap { Int64($0) } ?? .max
            )
        }
        coveredDays.removeAll(keepingCapacity: true)
        loaded = true
    }

    /// Makes sure partitions cover every timestamp in `timestampsMicros`; returns the partitions created.
    @discardableResult
    public mutating func ensure(
        timestampsMicros: some Sequence<Int64>, on connection: PostgresConnection
    ) throws(PostgresError) -> [String] {
        var days: [Int64] = []
        for micros in timestampsMicros {
            let day = CivilDate.dayNumber(micros: micros)
            if days.last != day, !days.contains(day) { days.append(day) }
        }
        return try ensure(days: days, on: connection)
    }

    /// Makes sure partitions cover all of each day (days since 1970-01-01, as `ReadingBatch.days`
    /// lists them); returns the partitions created. No SQL when every day is already known covered.
    @discardableResult
    public mutating func ensure(days: some Sequence<Int64>, on connection: PostgresConnection) throws(PostgresError) -> [String] {
        var created: [String] = []
        for day in days where !coveredDays.contains(day) {
            if !loaded { try refresh(on: connection) }
            let start = day * CivilDate.microsPerDay
            let end = start + CivilDate.microsPerDay
            var refreshed = false
            // Each round fills one gap; a day has at most a few (partitions made by others at odd bounds).
            for _ in 0..<48 {
                guard let gap = known.firstGap(from: start, to: end) else { break }
                if !refreshed {
                    // Another gateway may have made it already: look before creating.
                    try refresh(on: connection)
                    refreshed = true
                    continue
                }
                let rows = try connection.execute(
                    "SELECT mash_ensure_partition($1::timestamp, $2)", [DateTimeText.format(gap, fraction: .sixDigitsUnlessZero), settings.interval.rawValue]
                )
                if let name = rows.rows.first?.first ?? nil, !known.contains(where: { $0.name == name }) { created.append(name) }
                try refresh(on: connection)
            }
            if known.firstGap(from: start, to: end) == nil { coveredDays.insert(day) }
        }
        return created
    }

    /// The one known partition that wholly covers every day in `days`, or nil when they span
    /// several (or a partition bound falls inside one of them, or nothing is known yet).
    ///
    /// For `BatchWriter`'s COPY straight into the leaf: a batch whose days all lie in one partition
    /// needs no tuple routing. Only as fresh as the last `refresh`; the writer checks in its
    /// transaction that the leaf is still attached.
    public func partition(coveringDays days: [Int64]) -> PartitionRange? {
        known.partition(coveringDays: days)
    }

    /// Creates the partition for `now` and the next `count` ones (so rows never wait for one); returns those created.
    @discardableResult
    public mutating func premake(now: Int64, count: Int, on connection: PostgresConnection) throws(PostgresError) -> [String] {
        var bucket = PartitionBucket(containing: now, interval: settings.interval)
        var days: [Int64] = []
        for _ in 0...max(count, 0) {
            var day = CivilDate.dayNumber(micros: bucket.startMicros)
            let endDay = CivilDate.dayNumber(micros: bucket.endMicros)
            while day < endDay { days.append(day); day += 1 }
            bucket = bucket.next
        }
        return try ensure(days: days, on: connection)
    }

    /// The oldest timestamp kept: `now − retentionDays` (never before 2000-01-01).
    ///
    /// Chosen over "start of the oldest partition kept" because it does not depend on the
    /// interval or on which partitions happen to exist: a reading is accepted exactly when it is
    /// within retention, and `dropExpired` only drops partitions whose whole range is older than
    /// this cutoff, so it never drops a partition that can hold an accepted reading. (A reading
    /// accepted just before the cutoff moves on may recreate its partition, which the next
    /// `dropExpired` removes again.)
    public func retentionCutoffMicros(now: Int64) -> Int64 {
        Self.retentionCutoffMicros(now: now, retentionDays: settings.retentionDays)
    }

    public static func retentionCutoffMicros(now: Int64, retentionDays: Int) -> Int64 {
        max(now - Int64(retentionDays) * CivilDate.microsPerDay, minimumTimestampMicros)
    }

    /// 2000-01-01 00:00:00 UTC: older timestamps are `timestamp_out_of_range` by contract.
    public static let minimumTimestampMicros: Int64 = 946_684_800_000_000

    /// Drops every partition whose whole range ends at or before `now − retentionDays`; returns those dropped.
    ///
    /// A partition still partly inside retention is kept whole. Each drop is its own transaction
    /// with a lock timeout, so a long query on the parent delays the drop (to the next run), not ingestion.
    /// Drops take the advisory lock `mash_ensure_partition` takes and look again after it: two
    /// gateways dropping the same partition at once made PostgreSQL fail with an internal error
    /// ("could not find tuple for parent of relation", XX000) rather than "does not exist".
    @discardableResult
    public mutating func dropExpired(now: Int64, retentionDays: Int, on connection: PostgresConnection) throws(PostgresError) -> [String] {
        let cutoff = Self.retentionCutoffMicros(now: now, retentionDays: retentionDays)
        try refresh(on: connection)
        var dropped: [String] = []
        for range in known where range.endMicros <= cutoff {
            let qualified = try "\(connection.quoteIdentifier(range.schema)).\(connection.quoteIdentifier(range.name))"
            do throws(PostgresError) {
                try connection.execute("BEGIN")
                try connection.execute("SET LOCAL lock_timeout = '5s'")
                try connection.execute("SELECT pg_advisory_xact_lock(1835103080, 1)")
                let present = try connection.execute("SELECT to_regclass($1) IS NOT NULL AS present", [qualified])[0, "present"] == "t"
                if present { try connection.execute("DROP TABLE \(qualified)") }
                try connection.execute("COMMIT")
                if present { dropped.append(range.name) }
            } catch {
                if connection.isConnected { _ = try? connection.execute("ROLLBACK") }
                // Busy (55P03) or already dropped by another gateway (42P01): the next run retries.
                guard error.sqlState == "55P03" || error.sqlState == "42P01" else { throw error }
            }
        }
        try refresh(on: connection)
        return dropped
    }
}
