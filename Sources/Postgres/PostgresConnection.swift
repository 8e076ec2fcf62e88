import CLibPQ
import ConnectionURL
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Owns one PGconn. Not thread-safe: one thread (or one task at a time) uses it, as libpq requires.
///
/// Calls block the calling thread (libpq's synchronous API); run them on a thread or executor
/// that may block. After `.connectionLost`, call `reconnect()`; channels passed to `listen`
/// are listened to again.
public final class PostgresConnection: @unchecked Sendable {
    /// The URL this connection was opened with (log `url.redacted`, never the string).
    public let url: PostgresURL
    public let applicationName: String
    public let connectTimeoutSeconds: Int
    var connection: OpaquePointer?
    /// Channels to LISTEN again after `reconnect()`.
    var listenedChannels: [String] = []

    private init(url: PostgresURL, applicationName: String, connectTimeoutSeconds: Int) {
        self.url = url
        self.applicationName = applicationName
        self.connectTimeoutSeconds = connectTimeoutSeconds
    }

    deinit {
        if let connection { PQfinish(connection) }
    }

    /// Opens a connection; `url` options (sslmode, application_name, connect_timeout, ...) take precedence over the arguments.
    public static func connect(
        _ url: String, applicationName: String = "mash-gateway", connectTimeoutSeconds: Int = 5
    ) throws(PostgresError) -> PostgresConnection {
        let parsed = try PostgresURL(url)
        let connection = PostgresConnection(
            url: parsed, applicationName: applicationName, connectTimeoutSeconds: connectTimeoutSeconds
        )
        try connection.open()
        return connection
    }

    /// The URL with its password masked, for logs.
    public var redactedURL: String { url.redacted }

    /// The URL with its password masked, for logs.
    public static func redactedURL(_ url: String) -> String { ConnectionURL.redacted(url: url) }

    private func open() throws(PostgresError) {
        // Later keywords win, and dbname expands the URL: so the URL's own options override these defaults.
        let pairs: [(String, String)] = [
            ("application_name", applicationName),
            ("connect_timeout", String(max(connectTimeoutSeconds, 0))),
            ("client_encoding", "UTF8"),
            // A peer that vanishes without a FIN (edge network, NAT) is noticed in ~25 s instead of hours.
            ("keepalives", "1"),
            ("keepalives_idle", "10"),
            ("keepalives_interval", "5"),
            ("keepalives_count", "3"),
            ("dbname", url.string),
        ]
        let keywords = pairs.map { strdup($0.0) }
        let values = pairs.map { strdup($0.1) }
        defer {
            keywords.forEach { free($0) }
            values.forEach { free($0) }
        }
        let keywordPointers: [UnsafePointer<CChar>?] = keywords.map { $0.map { UnsafePointer($0) } } + [nil]
        let valuePointers: [UnsafePointer<CChar>?] = values.map { $0.map { UnsafePointer($0) } } + [nil]
        let opened = PQconnectdbParams(keywordPointers, valuePointers, 1)
        guard let opened else {
            throw PostgresError(.connectionFailed, message: "libpq could not allocate a connection", target: url.target, operation: "connect")
        }
        do throws(PostgresError) {
            try check(.connection, "connect", failure: .connectionFailed, connection: opened)
        } catch {
            PQfinish(opened)
            throw error
        }
        // The default processor prints NOTICEs ("relation already exists, skipping") to stderr.
        PQsetNoticeProcessor(opened, { _, _ in }, nil)
        connection = opened
        // The schema's columns are TIMESTAMP without time zone and hold UTC; `DEFAULT CURRENT_TIMESTAMP`
        // and `now()` must therefore be evaluated in UTC whatever the server's or role's TimeZone is.
        try execute("SET TIME ZONE 'UTC'")
    }

    /// Whether the session is up: checks the socket without blocking, so a server that has gone away is noticed
    /// (libpq alone reports CONNECTION_OK until the next call).
    public var isConnected: Bool {
        guard let connection, PQstatus(connection) == CONNECTION_OK else { return false }
        let socket = PQsocket(connection)
        guard socket >= 0 else { return false }
        var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        if poll(&descriptor, 1, 0) > 0 {
            // Readable while idle: a notification, or the server closing. Reading it tells which.
            if PQconsumeInput(connection) == 0 { return false }
        }
        return PQstatus(connection) == CONNECTION_OK
    }

    /// Drops the session and opens a new one with the same URL and settings; LISTENs are restored.
    public func reconnect() throws(PostgresError) {
        if let connection { PQfinish(connection) }
        connection = nil
        try open()
        for channel in listenedChannels {
            try execute("LISTEN \(quoteIdentifier(channel))")
        }
    }

    /// Ends the session; later calls throw `.notConnected` until `reconnect()`.
    public func close() {
        if let connection { PQfinish(connection) }
        connection = nil
    }

    // MARK: Statements

    /// Runs one statement with text parameters ($1, $2, ...); values are sent separately, never interpolated.
    @discardableResult
    public func execute(_ sql: String, _ parameters: [String?] = []) throws(PostgresError) -> PostgresRows {
        let connection = self.connection
        try check(.call(1), "execute", failure: .queryFailed, connection: connection)
        let values = parameters.map { $0.map { strdup($0) } ?? nil }
        defer { values.forEach { free($0) } }
        let valuePointers = values.map { $0.map { UnsafePointer($0) } }
        let result = PQexecParams(connection, sql, Int32(values.count), nil, valuePointers, nil, nil, 0)
        defer { PQclear(result) }
        if let result { abandonCopy(result) }
        try check(.result(result, expected: [PGRES_COMMAND_OK, PGRES_TUPLES_OK]), "execute", failure: .queryFailed, connection: connection)
        return Self.rows(of: result!)
    }

    /// Runs several statements in one string with the simple-query protocol (migrations).
    ///
    /// Without its own BEGIN/COMMIT the whole string runs as one implicit transaction, so statements
    /// that refuse transaction blocks (CREATE INDEX CONCURRENTLY, VACUUM) must be sent alone.
    public func executeScript(_ sql: String) throws(PostgresError) {
        _ = try executeScriptReturningRows(sql)
    }

    /// Runs a script like `executeScript` and returns the rows of every statement that returned rows, in order.
    ///
    /// For tools that take SQL from a person (the tests' `psql`): each statement's result is kept,
    /// as `psql -c` shows them, and the first error ends the script and is thrown.
    public func executeScriptReturningRows(_ sql: String) throws(PostgresError) -> [PostgresRows] {
        let connection = self.connection
        try check(.call(1), "script", failure: .queryFailed, connection: connection)
        try check(.call(PQsendQuery(connection, sql)), "script", failure: .queryFailed, connection: connection)
        var results: [PostgresRows] = []
        var failure: PostgresError?
        while let result = PQgetResult(connection) {
            defer { PQclear(result) }
            abandonCopy(result)
            guard failure == nil else { continue }
            do throws(PostgresError) {
                try check(
                    .result(result, expected: [PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY]), "script",
                    failure: .queryFailed, connection: connection
                )
                if PQresultStatus(result) == PGRES_TUPLES_OK { results.append(Self.rows(of: result)) }
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
        return results
    }

    /// Runs `body` between BEGIN and COMMIT; any error thrown rolls back and is rethrown.
    ///
    /// If a statement failed inside `body` but the error was caught there, the server turns COMMIT
    /// into ROLLBACK; that is reported as an error rather than silently losing the work.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN")
        let value: T
        do {
            value = try body()
        } catch {
            if isConnected { _ = try? execute("ROLLBACK") }
            throw error
        }
        let connection = self.connection
        let result = PQexec(connection, "COMMIT")
        defer { PQclear(result) }
        try check(.result(result, expected: [PGRES_COMMAND_OK]), "COMMIT", failure: .queryFailed, connection: connection)
        if let tag = PQcmdStatus(result), String(cString: tag) == "ROLLBACK" {
            throw PostgresError(
                .queryFailed, message: "the transaction was rolled back because a statement in it failed",
                target: url.target, operation: "COMMIT"
            )
        }
        return value
    }

    /// A COPY started through `execute` would leave libpq waiting for data: end it so the connection stays usable.
    private func abandonCopy(_ result: OpaquePointer) {
        guard let connection else { return }
        switch PQresultStatus(result) {
        case PGRES_COPY_IN:
            _ = PQputCopyEnd(connection, "COPY FROM STDIN must go through copyIn()")
        case PGRES_COPY_OUT:
            var buffer: UnsafeMutablePointer<CChar>?
            while PQgetCopyData(connection, &buffer, 0) > 0 { PQfreemem(buffer) }
        default:
            return
        }
        while let next = PQgetResult(connection) { PQclear(next) }
    }

    static func rows(of result: OpaquePointer) -> PostgresRows {
        let columnCount = PQnfields(result)
        let rowCount = PQntuples(result)
        var columns: [String] = []
        columns.reserveCapacity(Int(columnCount))
        for column in 0..<columnCount { columns.append(String(cString: PQfname(result, column))) }
        var rows: [[String?]] = []
        rows.reserveCapacity(Int(rowCount))
        for row in 0..<rowCount {
            var values: [String?] = []
            values.reserveCapacity(Int(columnCount))
            for column in 0..<columnCount {
                values.append(PQgetisnull(result, row, column) == 1 ? nil : String(cString: PQgetvalue(result, row, column)))
            }
            rows.append(values)
        }
        let tuples = PQcmdTuples(result).map { String(cString: $0) } ?? ""
        return PostgresRows(columns: columns, rows: rows, affectedRows: Int(tuples) ?? 0)
    }
}
