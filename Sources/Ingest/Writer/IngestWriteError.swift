import Postgres

/// Why a batch was not written. Data-level failures never surface here: the writer isolates the
/// rows PostgreSQL refuses and stores them as `ingest_rejects`, so every error left means "keep
/// the batch (spool it) and try again later".
public struct IngestWriteError: Error, Sendable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        /// The database is unreachable or the session broke: spool, `reconnect()` with backoff, retry.
        case connectionLost
        /// The server refused the write for a reason not tied to the rows (missing table or
        /// function — migrations not applied —, permissions, disk full, timeouts): spool and retry
        /// later, and tell the operator.
        case serverRefused
    }

    public var code: Code
    /// What the writer was doing: "ensure partitions", "COPY readings", "COMMIT", ...
    public var operation: String
    public var underlying: PostgresError

    public init(_ code: Code, operation: String, underlying: PostgresError) {
        self.code = code
        self.operation = operation
        self.underlying = underlying
    }

    public var isConnectionLevel: Bool { code == .connectionLost }

    public var description: String {
        "ingest write failed (\(code == .connectionLost ? "connection lost" : "server refused"), \(operation)): \(underlying)"
    }
}

/// How the writer reacts to a `PostgresError`.
enum FailureKind: Equatable {
    case connection
    /// Deadlock or serialization failure between writers: run the transaction again.
    case transient
    /// A unique violation: a repeat reached plain COPY.
    case duplicate
    /// No partition for a row: the partition cache is stale.
    case missingPartition
    /// The rows themselves: isolate them.
    case data
    case server

    init(_ error: PostgresError) {
        let state = error.sqlState ?? ""
        switch error.code {
        case .connectionLost, .connectionFailed, .notConnected, .authenticationFailed:
            self = .connection
            return
        default:
            break
        }
        if state.hasPrefix("08") || state.hasPrefix("57P") || state == "25006" {
            // 25006 read_only_sql_transaction: this session reached a standby (or a primary that was
            // demoted). Not the rows' fault: reconnect, and libpq's target_session_attrs=read-write
            // finds the writable host; meanwhile the batch is spooled, never isolated or dropped.
            self = .connection
        } else if state == "40P01" || state == "40001" {
            self = .transient
        } else if state == "23505" {
            self = .duplicate
        } else if state == "23514", error.message.hasPrefix("no partition of relation") {
            self = .missingPartition
        } else if state.hasPrefix("22") || state.hasPrefix("23") || state == "54000" {
            self = .data
        } else {
            self = .server
        }
    }
}
