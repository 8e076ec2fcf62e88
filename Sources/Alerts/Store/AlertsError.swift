import Postgres

/// A failure of the alert store, with what was being done; wraps the database's error.
public struct AlertsError: Error, Sendable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        /// PostgreSQL failed (see `underlying`); reconnect and rebuild the engine from the open alerts.
        case database
        /// A row could not be read.
        case malformedRow
    }

    public var code: Code
    public var operation: String
    public var message: String
    public var underlying: PostgresError?

    public init(_ code: Code, operation: String, message: String = "", underlying: PostgresError? = nil) {
        self.code = code
        self.operation = operation
        self.message = message
        self.underlying = underlying
    }

    public var description: String {
        "alerts: \(operation) failed: \(underlying.map { "\($0)" } ?? message)"
    }
}
