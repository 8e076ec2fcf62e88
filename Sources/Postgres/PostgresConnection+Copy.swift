import CLibPQ

extension PostgresConnection {
    /// How much of a COPY buffer goes to libpq per call: big enough to amortise the call, small
    /// enough that libpq's own send buffer stays modest.
    static let copyChunkSize = 256 * 1024

    /// Streams `data` (a complete binary COPY: header, rows, trailer) into `COPY ... FROM STDIN (FORMAT binary)`; returns the rows copied.
    ///
    /// A server error (constraint, bad value) throws `.copyFailed` with its SQLSTATE and detail;
    /// the COPY is then over and the connection stays usable (inside a transaction, that
    /// transaction is aborted, as with any failed statement).
    @discardableResult
    public func copyIn(_ sql: String, _ data: UnsafeRawBufferPointer) throws(PostgresError) -> Int {
        let connection = self.connection
        try check(.call(1), "COPY", failure: .copyFailed, connection: connection)
        let start = PQexec(connection, sql)
        defer { PQclear(start) }
        if let start, PQresultStatus(start) != PGRES_COPY_IN {
            // Not a COPY FROM STDIN (or it failed to start): report, and leave no COPY half-open.
            let status = PQresultStatus(start)
            if status == PGRES_COPY_OUT || status == PGRES_COPY_BOTH || status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK {
                drainResults()
                throw PostgresError(
                    .copyFailed, message: "statement is not COPY ... FROM STDIN", target: url.target, operation: "COPY"
                )
            }
        }
        try check(.result(start, expected: [PGRES_COPY_IN]), "COPY", failure: .copyFailed, connection: connection)

        var offset = 0
        var sendFailure: PostgresError?
        while offset < data.count, let base = data.baseAddress {
            let length = min(Self.copyChunkSize, data.count - offset)
            let sent = PQputCopyData(connection, (base + offset).assumingMemoryBound(to: CChar.self), Int32(length))
            do throws(PostgresError) {
                try check(.call(sent), "COPY", failure: .copyFailed, connection: connection)
            } catch {
                // Usually the server already rejected the data; its error, read below, is the one to report.
                sendFailure = error
                break
            }
            offset += length
        }
        if sendFailure == nil {
            do throws(PostgresError) {
                try check(.call(PQputCopyEnd(connection, nil)), "COPY", failure: .copyFailed, connection: connection)
            } catch {
                sendFailure = error
            }
        }
        // The server's verdict comes as the next result; read them all so the connection is idle again.
        let result = PQgetResult(connection)
        defer {
            PQclear(result)
            drainResults()
        }
        if let result, PQresultStatus(result) == PGRES_COMMAND_OK, let sendFailure { throw sendFailure }
        if result == nil, let sendFailure { throw sendFailure }
        try check(.result(result, expected: [PGRES_COMMAND_OK]), "COPY", failure: .copyFailed, connection: connection)
        let tuples = PQcmdTuples(result).map { String(cString: $0) } ?? ""
        return Int(tuples) ?? 0
    }

    /// Streams a complete binary COPY held in an array; see `copyIn(_:_:)` for buffers.
    @discardableResult
    public func copyIn(_ sql: String, _ data: [UInt8]) throws(PostgresError) -> Int {
        // Array.withUnsafeBytes rethrows untyped errors; carry the typed one out in a Result.
        let result: Result<Int, PostgresError> = data.withUnsafeBytes { buffer in
            do throws(PostgresError) { return .success(try copyIn(sql, buffer)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    /// Streams the encoder's rows (finishing it if needed); the encoder can be `reset()` and reused afterwards.
    @discardableResult
    public func copyIn(_ sql: String, _ encoder: inout BinaryCopyEncoder) throws(PostgresError) -> Int {
        encoder.finish()
        return try encoder.withUnsafeBytes { (buffer) throws(PostgresError) -> Int in try copyIn(sql, buffer) }
    }

    /// Reads and discards results until libpq reports none, leaving the connection idle.
    func drainResults() {
        guard let connection else { return }
        while let next = PQgetResult(connection) {
            let status = PQresultStatus(next)
            PQclear(next)
            // A COPY IN still open here would make PQgetResult return COPY_IN forever.
            if status == PGRES_COPY_IN {
                _ = PQputCopyEnd(connection, "abandoned by client")
            } else if status == PGRES_COPY_OUT {
                var buffer: UnsafeMutablePointer<CChar>?
                while PQgetCopyData(connection, &buffer, 0) > 0 { PQfreemem(buffer) }
            }
            if PQstatus(connection) == CONNECTION_BAD { return }
        }
    }
}
