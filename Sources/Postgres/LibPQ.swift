import CLibPQ

/// What a libpq call reported, before it is judged by `PostgresConnection.check`.
enum LibPQStatus {
    /// The state of the connection after PQconnectdbParams.
    case connection
    /// A result (nil when libpq ran out of memory or lost the connection) that must have one of `expected` statuses.
    case result(OpaquePointer?, expected: [ExecStatusType])
    /// The int return of PQputCopyData / PQputCopyEnd / PQconsumeInput / PQsendQuery (1 is success).
    case call(Int32)
}

/// SQLSTATEs that mean the session is gone even if libpq has not noticed the closed socket yet.
let sessionEndingStates: Set<String> = ["57P01", "57P02", "57P03", "57P04", "57P05"]

extension PostgresConnection {
    /// The one place a libpq status becomes a `PostgresError`: every call into libpq that can fail ends here.
    ///
    /// Classifies by what libpq knows (connection state, SQLSTATE) rather than by the call site,
    /// so a server shutdown surfaces as `.connectionLost` from any operation, and scrubs the
    /// password from every message.
    func check(
        _ status: LibPQStatus, _ operation: String, failure code: PostgresError.Code, connection: OpaquePointer?
    ) throws(PostgresError) {
        guard let connection else {
            throw PostgresError(.notConnected, message: "the connection is closed", target: url.target, operation: operation)
        }
        switch status {
        case .connection:
            guard PQstatus(connection) != CONNECTION_OK else { return }
            let message = errorMessage(connection)
            throw PostgresError(
                Self.isAuthenticationFailure(message, connection) ? .authenticationFailed : .connectionFailed,
                message: message, target: url.target, operation: operation
            )

        case .result(let result, let expected):
            if let result, expected.contains(PQresultStatus(result)) { return }
            var sqlState: String?
            var detail: String?
            var message: String
            if let result {
                sqlState = field(result, "C")
                detail = field(result, "D").map(url.scrub)
                message = field(result, "M").map(url.scrub) ?? errorMessage(connection)
                if message.isEmpty {
                    let status = String(cString: PQresStatus(PQresultStatus(result)))
                    message = "unexpected result \(status)"
                }
            } else {
                message = errorMessage(connection)
            }
            let lost = PQstatus(connection) == CONNECTION_BAD || sqlState.map(sessionEndingStates.contains) == true
                || sqlState?.hasPrefix("08") == true
            throw PostgresError(
                lost ? .connectionLost : code, message: message, sqlState: sqlState, detail: detail,
                target: url.target, operation: operation
            )

        case .call(let returned):
            guard returned != 1 else { return }
            throw PostgresError(
                PQstatus(connection) == CONNECTION_BAD ? .connectionLost : code,
                message: errorMessage(connection), target: url.target, operation: operation
            )
        }
    }

    /// PQerrorMessage without the password, trailing newline or an empty string.
    func errorMessage(_ connection: OpaquePointer) -> String {
        let text = PQerrorMessage(connection).map { String(cString: $0) } ?? ""
        let trimmed = text.hasSuffix("\n") ? String(text.dropLast()) : text
        return trimmed.isEmpty ? "unknown libpq error" : url.scrub(trimmed)
    }

    private func field(_ result: OpaquePointer, _ code: Unicode.Scalar) -> String? {
        PQresultErrorField(result, Int32(code.value)).map { String(cString: $0) }
    }

    /// libpq does not expose the SQLSTATE of a failed login, so decide from what it does expose.
    private static func isAuthenticationFailure(_ message: String, _ connection: OpaquePointer) -> Bool {
        if PQconnectionNeedsPassword(connection) == 1 { return true }
        return message.contains("password authentication failed")
            || message.contains("authentication failed for user")
            || message.contains("no password supplied")
            || message.contains("no pg_hba.conf entry")
    }
}
