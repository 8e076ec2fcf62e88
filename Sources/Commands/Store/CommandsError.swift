import Foundation
import Postgres

/// A failure of the command store, with what was being done; wraps the database's error.
public struct CommandsError: Error, Sendable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        /// PostgreSQL failed (see `underlying`); the dispatcher's memory is unchanged, retry after reconnecting.
        case database
        /// A row could not be read (a column missing or not in the expected format).
        case malformedRow
    }

    public var code: Code
    public var operation: String
    public var message: String
    public var underlying: PostgresError?

    public init(_ code: Code, operation: String, message: String, underlying: PostgresError? = nil) {
        self.code = code
        self.operation = operation
        self.message = message
        self.underlying = underlying
    }

    public var description: String {
        "commands: \(operation) failed: \(underlying.map { "\($0)" } ?? message)"
    }
}
