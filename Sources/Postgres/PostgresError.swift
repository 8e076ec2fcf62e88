import Foundation

/// A failure reported by libpq or the server, with enough context to act on and no secrets.
///
/// `message` is libpq's (or the server's) primary message with any password from the URL
/// scrubbed out; `description` is one line naming what failed, where, and the SQLSTATE.
public struct PostgresError: Error, Sendable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        /// The URL could not be parsed; nothing was attempted.
        case invalidURL
        /// The server could not be reached or refused the session (not because of credentials).
        case connectionFailed
        /// The server rejected the user name or password.
        case authenticationFailed
        /// A statement failed; the connection is still usable.
        case queryFailed
        /// The server rejected COPY data (or the stream broke); the connection stays usable unless `isConnected` is false.
        case copyFailed
        /// The connection broke (server shut down, network gone); `reconnect()` is needed.
        case connectionLost
        /// The connection was closed by `close()`.
        case notConnected
    }

    public var code: Code
    /// The five-character SQLSTATE when the server sent one, e.g. "23505" (unique violation).
    public var sqlState: String?
    /// libpq's primary message, never containing a password.
    public var message: String
    /// The server's DETAIL field, if any (e.g. which key violated a constraint).
    public var detail: String?
    /// Where the failure happened, as `host:port/database`.
    public var target: String?
    /// What was being done: "connect", "execute", "COPY", ...
    public var operation: String?

    public init(
        _ code: Code, message: String, sqlState: String? = nil, detail: String? = nil,
        target: String? = nil, operation: String? = nil
    ) {
        self.code = code
        self.message = message
        self.sqlState = sqlState
        self.detail = detail
        self.target = target
        self.operation = operation
    }

    /// One clear line: what failed, where (host:port/db), SQLSTATE.
    public var description: String {
        var text = "PostgreSQL \(code.label)"
        if let operation { text += " (\(operation))" }
        if let target { text += " on \(target)" }
        text += ": \(Self.oneLine(message))"
        if let detail, !detail.isEmpty { text += " — \(Self.oneLine(detail))" }
        if let sqlState { text += " [SQLSTATE \(sqlState)]" }
        return text
    }

    /// Joins libpq's multi-line messages ("…failed: Connection refused\n\tIs the server running…") into one line.
    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
            .joined(separator: "; ")
    }
}

extension PostgresError.Code {
    var label: String {
        switch self {
        case .invalidURL: "invalid URL"
        case .connectionFailed: "connection failed"
        case .authenticationFailed: "authentication failed"
        case .queryFailed: "query failed"
        case .copyFailed: "COPY failed"
        case .connectionLost: "connection lost"
        case .notConnected: "not connected"
        }
    }
}
