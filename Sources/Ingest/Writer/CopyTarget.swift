/// Where `BatchWriter`'s COPY (modes `plain` and `optimistic`) sends a batch's readings.
///
/// Measured with `mash-bench copy --compare`: COPY into the leaf skips PostgreSQL's tuple routing
/// (a partition lookup per row and a routing slot per partition touched).
public enum CopyTarget: String, Sendable, CaseIterable {
    /// The leaf partition when every reading of the batch falls in one known partition, else the
    /// parent. The writer checks inside the transaction that the leaf is still attached; when it
    /// is not (detached, dropped, or its bounds changed), the batch is written through the parent.
    case leaf
    /// Always `sensor_readings` itself: PostgreSQL routes each row. The reference, for benchmarks.
    case parent
}
