/// What the running ingest path says about itself, for `/healthz` and the scrape-time gauges.
public struct IngestHealth: Sendable, Equatable {
    /// Nil while the writers' database answers; else since when it does not and the last error.
    public var databaseProblem: String?
    /// The spool's size and its bound (`ingest.spool_max_mb`), in bytes.
    public var spoolBytes: Int
    public var spoolMaxBytes: Int
    /// The receive time of the oldest row not yet in PostgreSQL (µs since the epoch); nil when none waits.
    public var oldestUnwrittenMicros: Int64?

    public init(databaseProblem: String?, spoolBytes: Int, spoolMaxBytes: Int, oldestUnwrittenMicros: Int64?) {
        self.databaseProblem = databaseProblem
        self.spoolBytes = spoolBytes
        self.spoolMaxBytes = spoolMaxBytes
        self.oldestUnwrittenMicros = oldestUnwrittenMicros
    }

    /// Seconds since the oldest unwritten row was received, at `now` (µs since the epoch); 0 when none waits.
    public func lagSeconds(now: Int64) -> Double {
        oldestUnwrittenMicros.map { Double(max(0, now - $0)) / 1_000_000 } ?? 0
    }
}
