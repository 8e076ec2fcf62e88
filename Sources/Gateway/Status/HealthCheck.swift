/// `/healthz`'s verdict from one snapshot of the gateway's parts: the reasons it is unhealthy,
/// one line each, or none.
///
/// Unhealthy while: the database gate has not opened (PostgreSQL away or the schema unchecked);
/// the writers' database does not answer (their drainer probes it every 2 s, so an outage shows
/// within seconds even with no traffic); the broker connection is down; the spool is more than
/// `spoolLimit` full; the ingest loop has not beaten for `maxSilence` (wedged); or the oldest
/// reading not yet in PostgreSQL is older than `maxLag` (readings wait and none get through).
public struct HealthCheck: Sendable, Equatable {
    public static let spoolLimit = 0.9
    public static let maxSilence = Duration.seconds(10)
    public static let maxLagSeconds = 60.0

    /// The schema was checked and the database services started.
    public var databaseGateOpen: Bool
    /// From the running ingest path; nil before it has started.
    public var ingest: IngestSnapshot?
    public var brokerConnected: Bool
    /// Time since the ingest loop last beat.
    public var ingestSilence: Duration

    public struct IngestSnapshot: Sendable, Equatable {
        public var databaseProblem: String?
        public var spoolBytes: Int
        public var spoolMaxBytes: Int
        public var lagSeconds: Double

        public init(databaseProblem: String?, spoolBytes: Int, spoolMaxBytes: Int, lagSeconds: Double) {
            self.databaseProblem = databaseProblem
            self.spoolBytes = spoolBytes
            self.spoolMaxBytes = spoolMaxBytes
            self.lagSeconds = lagSeconds
        }
    }

    public init(databaseGateOpen: Bool, ingest: IngestSnapshot?, brokerConnected: Bool, ingestSilence: Duration) {
        self.databaseGateOpen = databaseGateOpen
        self.ingest = ingest
        self.brokerConnected = brokerConnected
        self.ingestSilence = ingestSilence
    }

    public var problems: [String] {
        var problems = [String]()
        if !databaseGateOpen {
            problems.append("database: not ready (waiting for PostgreSQL or the schema check)")
        }
        if let problem = ingest?.databaseProblem {
            problems.append("database: \(problem)")
        }
        if !brokerConnected {
            problems.append("mqtt: not connected to the broker")
        }
        if let ingest {
            if ingest.spoolMaxBytes > 0, Double(ingest.spoolBytes) > Self.spoolLimit * Double(ingest.spoolMaxBytes) {
                let percent = Int((Double(ingest.spoolBytes) * 100 / Double(ingest.spoolMaxBytes)).rounded(.down))
                problems.append(
                    "spool: \(percent) % full (\(ingest.spoolBytes >> 20) of \(ingest.spoolMaxBytes >> 20) MiB); "
                        + "when it is full the broker has to hold further messages")
            }
            if ingestSilence > Self.maxSilence {
                problems.append("ingest: the consumer has made no progress for \(ingestSilence.components.seconds) s")
            }
            if ingest.lagSeconds > Self.maxLagSeconds {
                problems.append("ingest: the oldest reading not yet in PostgreSQL was received \(Int(ingest.lagSeconds)) s ago")
            }
        }
        return problems
    }
}
