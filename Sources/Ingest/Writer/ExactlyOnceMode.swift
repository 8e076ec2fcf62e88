/// How a `BatchWriter` stores readings so that a repeat (same device, sensor, ts) is stored once.
///
/// Measured with `mash-bench copy` (see the Ingest README/report); `optimistic` is the default.
public enum ExactlyOnceMode: String, Sendable, CaseIterable {
    /// Binary COPY straight into `sensor_readings`. No dedup: a repeat fails the batch (23505),
    /// which is then isolated row by row. The ceiling, for benchmarks.
    case plain
    /// Binary COPY into a temp table made inside the transaction (ON COMMIT DROP), then
    /// `INSERT … SELECT … ON CONFLICT DO NOTHING`.
    case staging
    /// Binary COPY straight into `sensor_readings`; a batch that hits the unique index (23505)
    /// is rolled back and written again through `staging`. Repeats are rare (redelivery,
    /// replay), so nearly every batch costs what plain COPY costs.
    case optimistic
}

/// What one `BatchWriter.write` stored.
public struct BatchWriteResult: Sendable, Equatable {
    /// `sensor_readings` rows inserted.
    public var inserted: Int
    /// Readings skipped as repeats: within the batch (`ReadingBatch.append`) or already stored.
    public var duplicates: Int
    /// `ingest_rejects` rows written: the batch's own plus `isolated`.
    public var rejects: Int
    /// Readings PostgreSQL refused (constraint, bad value) and that were stored as `ingest_rejects` instead.
    public var isolated: Int
    /// Reject rows PostgreSQL refused even alone (logged; nothing else could be done with them).
    public var unstorableRejects: Int
    /// Partitions this write created.
    public var partitionsCreated: [String]
    /// Whether the batch hit a repeat and went through the staging path (`optimistic` only).
    public var usedFallback: Bool

    public init(inserted: Int = 0, duplicates: Int = 0, rejects: Int = 0, isolated: Int = 0,
                unstorableRejects: Int = 0, partitionsCreated: [String] = [], usedFallback: Bool = false) {
        self.inserted = inserted
        self.duplicates = duplicates
        self.rejects = rejects
        self.isolated = isolated
        self.unstorableRejects = unstorableRejects
        self.partitionsCreated = partitionsCreated
        self.usedFallback = usedFallback
    }
}
