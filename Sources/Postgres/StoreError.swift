/// A failure of one of the gateway's stores (commands, alerts, …), with what was being done.
///
/// Every store reports the same way: `store` and `operation` say what failed, `underlying` holds
/// the database's error when PostgreSQL failed. `description` prints the underlying
/// `PostgresError`, which never contains a password, or else `message`; nothing else.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        /// PostgreSQL failed (see `underlying`); the caller's memory is unchanged, retry after reconnecting.
        case database
        /// A row could not be read (a column missing or not in the expected format).
        case malformedRow
    }

    public var code: Code
    /// Which store failed: "commands", "alerts", "presence", "operators", …
    public var store: String
    /// What was being done, e.g. "claim pending".
    public var operation: String
    public var message: String
    public var underlying: PostgresError?

    public init(_ code: Code, store: String, operation: String, message: String = "", underlying: PostgresError? = nil) {
        self.code = code
        self.store = store
        self.operation = operation
        self.message = message
        self.underlying = underlying
    }

    /// `"<store>: <operation> failed: <underlying error, or message>"`.
    public var description: String {
        "\(store): \(operation) failed: \(underlying.map { "\($0)" } ?? message)"
    }
}
