import GatewayConfig
import Logging
import Postgres
import Telemetry
import WallTime

/// Stores `ReadingBatch`es through one PostgreSQL connection, each in one transaction.
///
/// One thread uses a writer at a time (it owns a libpq connection). `write` ensures the
/// partitions (outside the batch transaction), then stores the readings exactly once by the
/// chosen `ExactlyOnceMode` — straight into the leaf partition when the batch falls in one
/// (`CopyTarget`) — then the rejects, and commits. Rows PostgreSQL refuses are isolated
/// by splitting the batch under savepoints and stored as `ingest_rejects` with the server's
/// message, so one bad row never wedges the pipeline. Deadlocks between writers are retried.
/// Only connection-level and server-level failures are thrown; the batch is then untouched in
/// the database and can be spooled and written again (exactly once) after `reconnect()`.
public final class BatchWriter: @unchecked Sendable {
    public let connection: PostgresConnection
    public let mode: ExactlyOnceMode
    public let target: CopyTarget
    public private(set) var partitions: PartitionManager
    /// The partition the last `write` COPYed its readings into directly (`CopyTarget.leaf`); nil
    /// when they went through `sensor_readings` and PostgreSQL routed them (or the write failed).
    public private(set) var lastLeaf: String?
    let logger: Logger
    static let maxTransientRetries = 8

    static let stagingTable = "mash_ingest_staging"
    static let copyReadings = "COPY sensor_readings (\(ReadingBatch.readingColumns)) FROM STDIN (FORMAT binary)"
    static let copyStaging = "COPY \(stagingTable) (\(ReadingBatch.readingColumns)) FROM STDIN (FORMAT binary)"
    static let checkAttached = """
        SELECT count(*) FROM pg_inherits
        WHERE inhrelid = $1::regclass AND inhparent = 'sensor_readings'::regclass AND NOT inhdetachpending
        """
    static let copyRejects = "COPY ingest_rejects (\(ReadingBatch.rejectColumns)) FROM STDIN (FORMAT binary)"
    static let insertFromStaging = """
        INSERT INTO sensor_readings (\(ReadingBatch.readingColumns)) \
        SELECT \(ReadingBatch.readingColumns) FROM \(stagingTable) ON CONFLICT DO NOTHING
        """

    public init(
        connection: PostgresConnection, partitions: PartitionSettings, mode: ExactlyOnceMode = .optimistic,
        target: CopyTarget = .leaf, logger: Logger = Logger(label: "mash.ingest.writer")
    ) {
        self.connection = connection
        self.partitions = PartitionManager(settings: partitions)
        self.mode = mode
        self.target = target
        self.logger = logger
    }

    /// Opens a connection and a writer on it.
    public static func connect(
        url: String, partitions: PartitionSettings, mode: ExactlyOnceMode = .optimistic, target: CopyTarget = .leaf,
        applicationName: String = "mash-gateway-writer", logger: Logger = Logger(label: "mash.ingest.writer")
    ) throws(IngestWriteError) -> BatchWriter {
        do {
            let connection = try PostgresConnection.connect(url, applicationName: applicationName)
            return BatchWriter(connection: connection, partitions: partitions, mode: mode, target: target, logger: logger)
        } catch {
            throw IngestWriteError(.connectionLost, operation: "connect", underlying: error)
        }
    }

    /// A new session after a connection-level failure; forgets the partition cache. The caller's
    /// loop decides when (with backoff).
    public func reconnect() throws(IngestWriteError) {
        partitions.invalidate()
        do { try connection.reconnect() } catch {
            throw IngestWriteError(.connectionLost, operation: "reconnect", underlying: error)
        }
    }

    // MARK: Partition maintenance on this writer's connection

    /// Creates the current and the next `settings.premake` partitions.
    @discardableResult
    public func premakePartitions(now: Int64) throws(IngestWriteError) -> [String] {
        try run("premake partitions") { () throws(PostgresError) in
            try partitions.premake(now: now, count: partitions.settings.premake, on: connection)
        }
    }

    /// Drops partitions wholly older than `now − settings.retentionDays`.
    @discardableResult
    public func dropExpiredPartitions(now: Int64) throws(IngestWriteError) -> [String] {
        try run("drop expired partitions") { () throws(PostgresError) in
            try partitions.dropExpired(now: now, retentionDays: partitions.settings.retentionDays, on: connection)
        }
    }

    // MARK: Writing

    /// Stores `batch` in one transaction; see the type's documentation for what is guaranteed.
    public func write(_ batch: ReadingBatch) throws(IngestWriteError) -> BatchWriteResult {
        var batch = batch
        batch.seal()  // no copy when the consumer sealed it already
        lastLeaf = nil
        var result = BatchWriteResult(duplicates: batch.duplicatesInBatch)
        if batch.isEmpty { return result }
        result.partitionsCreated = try run("ensure partitions") { () throws(PostgresError) in
            try partitions.ensure(days: batch.days, on: connection)
        }
        var mode = self.mode
        var transientRetries = 0
        var partitionRetried = false
        var isolate = false
        var leafAllowed = target == .leaf
        var leafChanged = false
        while true {
            if leafChanged {
                // The leaf was detached, dropped or re-bounded since the catalog was read: look
                // again (creating a partition if one is missing) and write through the parent.
                try reloadPartitions(for: batch, into: &result)
                leafAllowed = false
                leafChanged = false
            }
            let leaf = leafAllowed && !isolate && mode != .staging ? partitions.partition(coveringDays: batch.days) : nil
            do throws(PostgresError) {
                guard var attempt = isolate ? try writeIsolating(batch) : try writeOnce(batch, mode: mode, leaf: leaf) else {
                    leafChanged = true
                    continue
                }
                attempt.duplicates += batch.duplicatesInBatch
                attempt.partitionsCreated = result.partitionsCreated
                attempt.usedFallback = mode != self.mode
                lastLeaf = leaf?.name
                if attempt.isolated > 0 || attempt.unstorableRejects > 0 {
                    logger.warning("batch had rows PostgreSQL refused; stored them as ingest_rejects", metadata: [
                        "isolated": "\(attempt.isolated)", "unstorable_rejects": "\(attempt.unstorableRejects)",
                    ])
                }
                return attempt
            } catch {
                rollback()
                if leaf != nil, Self.leafWentAway(error) {
                    leafChanged = true
                    continue
                }
                switch FailureKind(error) {
                case .connection:
                    throw IngestWriteError(.connectionLost, operation: "write batch", underlying: error)
                case .transient where transientRetries < Self.maxTransientRetries:
                    transientRetries += 1
                case .duplicate where mode == .optimistic && !isolate:
                    mode = .staging
                case .missingPartition where !partitionRetried:
                    // Someone dropped a partition we knew: look again, create it, write again.
                    partitionRetried = true
                    partitions.invalidate()
                    result.partitionsCreated += try run("ensure partitions") { () throws(PostgresError) in
                        try partitions.ensure(days: batch.days, on: connection)
                    }
                case .data, .duplicate, .missingPartition:
                    if isolate { throw IngestWriteError(.serverRefused, operation: "write batch (isolating)", underlying: error) }
                    logger.warning("PostgreSQL refused a batch; isolating the rows it refuses", metadata: ["error": "\(error)"])
                    isolate = true
                case .transient, .server:
                    throw IngestWriteError(.serverRefused, operation: "write batch", underlying: error)
                }
            }
        }
    }

    /// Forgets the partition cache and makes sure the batch's partitions exist again.
    private func reloadPartitions(for batch: ReadingBatch, into result: inout BatchWriteResult) throws(IngestWriteError) {
        partitions.invalidate()
        result.partitionsCreated += try run("ensure partitions") { () throws(PostgresError) in
            try partitions.ensure(days: batch.days, on: connection)
        }
    }

    /// Whether a COPY into a leaf failed because the leaf is no longer what the cache said:
    /// gone (42P01) or with other bounds (23514, the partition constraint).
    static func leafWentAway(_ error: PostgresError) -> Bool {
        error.sqlState == "42P01" || (error.sqlState == "23514" && error.message.contains("violates partition constraint"))
    }

    /// The fast path: the whole batch in one transaction, no savepoints. With `leaf`, the COPY
    /// goes straight into that partition; nil when it turned out to be detached (rolled back).
    private func writeOnce(_ batch: ReadingBatch, mode: ExactlyOnceMode, leaf: PartitionRange?) throws(PostgresError) -> BatchWriteResult? {
        try connection.execute("BEGIN")
        if mode == .staging, batch.readingCount > 0 { try createStaging() }
        var result = BatchWriteResult()
        if batch.readingCount > 0 {
            switch mode {
            case .plain, .optimistic:
                if let leaf {
                    let name = "\(try connection.quoteIdentifier(leaf.schema)).\(try connection.quoteIdentifier(leaf.name))"
                    let copy = "COPY \(name) (\(ReadingBatch.readingColumns)) FROM STDIN (FORMAT binary)"
                    result.inserted = try batch.withReadingsCopy { (data) throws(PostgresError) in try connection.copyIn(copy, data) }
                    // The COPY holds the leaf's lock until COMMIT, so a detach cannot slip in after this check.
                    guard try connection.execute(Self.checkAttached, [name])[0, "count"] == "1" else {
                        rollback()
                        return nil
                    }
                } else {
                    result.inserted = try batch.withReadingsCopy { (data) throws(PostgresError) in try connection.copyIn(Self.copyReadings, data) }
                }
            case .staging:
                try batch.withReadingsCopy { (data) throws(PostgresError) in _ = try connection.copyIn(Self.copyStaging, data) }
                result.inserted = try connection.execute(Self.insertFromStaging).affectedRows
            }
            result.duplicates = batch.readingCount - result.inserted
        }
        if batch.rejectCount > 0 {
            result.rejects = try batch.withRejectsCopy { (data) throws(PostgresError) in try connection.copyIn(Self.copyRejects, data) }
        }
        try commit()
        return result
    }

    /// The slow path after a data-level failure: bisect under savepoints until the refused rows are alone.
    private func writeIsolating(_ batch: ReadingBatch) throws(PostgresError) -> BatchWriteResult {
        try connection.execute("BEGIN")
        try createStaging()
        var result = BatchWriteResult()
        var refused: [(row: Int, error: PostgresError)] = []
        var pending: [Range<Int>] = [0..<batch.readingCount]
        while let rows = pending.popLast() {
            if rows.isEmpty { continue }
            do throws(PostgresError) {
                try connection.execute("SAVEPOINT mash_isolate")
                _ = try connection.copyIn(Self.copyStaging, batch.readingsCopy(rows: rows))
                result.inserted += try connection.execute(Self.insertFromStaging).affectedRows
                try connection.execute("DELETE FROM \(Self.stagingTable)")
                try connection.execute("RELEASE SAVEPOINT mash_isolate")
            } catch {
                guard [.data, .duplicate, .missingPartition].contains(FailureKind(error)) else { throw error }
                try connection.execute("ROLLBACK TO SAVEPOINT mash_isolate")
                try connection.execute("RELEASE SAVEPOINT mash_isolate")
                if rows.count == 1 {
                    refused.append((rows.lowerBound, error))
                } else {
                    let middle = rows.lowerBound + rows.count / 2
                    pending.append(middle..<rows.upperBound)
                    pending.append(rows.lowerBound..<middle)
                }
            }
        }
        result.duplicates = batch.readingCount - result.inserted - refused.count
        result.isolated = refused.count

        // The batch's own rejects, isolated the same way, then the refused readings as rejects.
        var rejectRows: [Range<Int>] = [0..<batch.rejectCount]
        var unstorable: [(ArraySlice<UInt8>, PostgresError)] = []
        while let rows = rejectRows.popLast() {
            if rows.isEmpty { continue }
            do throws(PostgresError) {
                try connection.execute("SAVEPOINT mash_isolate")
                result.rejects += try connection.copyIn(Self.copyRejects, batch.rejectsCopy(rows: rows))
                try connection.execute("RELEASE SAVEPOINT mash_isolate")
            } catch {
                guard FailureKind(error) == .data else { throw error }
                try connection.execute("ROLLBACK TO SAVEPOINT mash_isolate")
                try connection.execute("RELEASE SAVEPOINT mash_isolate")
                if rows.count == 1 {
                    unstorable.append((batch.rejectRow(rows.lowerBound), error))
                } else {
                    let middle = rows.lowerBound + rows.count / 2
                    rejectRows.append(middle..<rows.upperBound)
                    rejectRows.append(rows.lowerBound..<middle)
                }
            }
        }
        if !refused.isEmpty {
            var extra = ReadingBatch(capacity: 16)
            let now = WallInstant.now().microseconds
            for (row, error) in refused {
                RefusedReading(row: batch.readingRow(row)).appendReject(to: &extra, error: error, receivedAtMicros: now)
            }
            extra.seal()
            result.rejects += try extra.withRejectsCopy { (data) throws(PostgresError) in try connection.copyIn(Self.copyRejects, data) }
        }
        for (_, error) in unstorable {
            logger.error("an ingest_rejects row was refused by PostgreSQL and is lost", metadata: ["error": "\(error)"])
        }
        result.unstorableRejects = unstorable.count
        try commit()
        return result
    }

    /// Creates the staging table inside the current transaction, dropped at its end (ON COMMIT DROP).
    ///
    /// Nothing outlives the transaction, so the writer holds no session state and works the same
    /// through a transaction pooler (PgBouncer `pool_mode = transaction`), where the next
    /// transaction may run on another server session. Only batches that hit a repeat come here.
    /// Measured with `mash-bench copy --mode staging`: the same server CPU per row (≈20.5 µs in
    /// both) as a session table created once and kept (ON COMMIT DELETE ROWS), so there is one path.
    private func createStaging() throws(PostgresError) {
        try connection.execute("""
            CREATE TEMP TABLE \(Self.stagingTable) (LIKE sensor_readings INCLUDING DEFAULTS) ON COMMIT DROP
            """)
    }

    private func commit() throws(PostgresError) {
        let rows = try connection.execute("COMMIT")
        _ = rows
    }

    private func rollback() {
        if connection.isConnected { _ = try? connection.execute("ROLLBACK") }
    }

    private func run<T>(_ operation: String, _ body: () throws(PostgresError) -> T) throws(IngestWriteError) -> T {
        do { return try body() } catch {
            let kind = FailureKind(error)
            throw IngestWriteError(kind == .connection ? .connectionLost : .serverRefused, operation: operation, underlying: error)
        }
    }
}
