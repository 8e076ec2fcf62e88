import CLibPQ
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension PostgresConnection {
    /// Quotes a name for SQL where parameters are impossible (DDL such as partition names), using the server's encoding rules.
    public func quoteIdentifier(_ name: String) throws(PostgresError) -> String {
        try escape(name, operation: "quote identifier", PQescapeIdentifier)
    }

    /// Quotes a value as a string literal for DDL; prefer `execute` parameters wherever they are allowed.
    public func quoteLiteral(_ value: String) throws(PostgresError) -> String {
        try escape(value, operation: "quote literal", PQescapeLiteral)
    }

    private func escape(
        _ text: String, operation: String,
        _ function: (OpaquePointer?, UnsafePointer<CChar>?, Int) -> UnsafeMutablePointer<CChar>?
    ) throws(PostgresError) -> String {
        let connection = self.connection
        try check(.call(1), operation, failure: .queryFailed, connection: connection)
        let escaped = text.withCString { function(connection, $0, strlen($0)) }
        guard let escaped else {
            try check(.call(0), operation, failure: .queryFailed, connection: connection)
            return ""
        }
        defer { PQfreemem(escaped) }
        return String(cString: escaped)
    }
}
