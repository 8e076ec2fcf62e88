import Logging
import Postgres

/// Deletes `ingest_rejects` rows older than `ingest.rejects_retention_days`, a few thousand at a time.
///
/// Never one huge DELETE: each batch of at most `batchSize` rows is its own short transaction, so
/// the table stays writable, locks stay few and WAL comes in small pieces. Safe with several
/// gateways at once without an advisory lock: the rows are picked with `FOR UPDATE SKIP LOCKED`,
/// so two instances take disjoint batches instead of waiting on each other, and deleting what is
/// already gone is a no-op. Runs at start and hourly with partition maintenance.
public struct RejectRetention: Sendable {
    public let databaseURL: String
    /// 0 keeps every row.
    public let retentionDays: Int
    public let batchSize: Int
    let logger: Logger

    public init(databaseURL: String, retentionDays: Int, batchSize: Int = 5_000, logger: Logger) {
        self.databaseURL = databaseURL
        self.retentionDays = retentionDays
        self.batchSize = batchSize
        self.logger = logger
    }

    static let deleteBatch = """
        DELETE FROM ingest_rejects WHERE id IN (
            SELECT id FROM ingest_rejects WHERE received_at < \(SQLText.timestamp("$1::bigint"))
            ORDER BY received_at LIMIT $2::int FOR UPDATE SKIP LOCKED)
        """

    /// Deletes every row received before `now − retentionDays`; returns how many.
    @discardableResult
    public func run(now: Int64) throws(PostgresError) -> Int {
        guard retentionDays > 0 else { return 0 }
        let cutoff = now - Int64(retentionDays) * 86_400_000_000
        let connection = try PostgresConnection.connect(databaseURL, applicationName: "mash-gateway reject retention")
        defer { connection.close() }
        var deleted = 0
        while true {
            let batch = try connection.execute(Self.deleteBatch, [String(cutoff), String(batchSize)]).affectedRows
            deleted += batch
            if batch < batchSize { break }
        }
        if deleted > 0 {
            logger.info("deleted old ingest_rejects rows", metadata: ["rows": "\(deleted)", "retention_days": "\(retentionDays)"])
        }
        return deleted
    }
}
