import CLibPQ
import Foundation

/// A `postgres://` or `postgresql://` URL, parsed by libpq itself so every option it knows
/// (sslmode, sslrootcert, target_session_attrs, multiple hosts, ...) means exactly what libpq says.
///
/// Validate configuration with it at start-up; log only `redacted`.
public struct PostgresURL: Sendable, CustomStringConvertible {
    /// The URL as given (contains the password: never log it).
    public let string: String
    public let user: String?
    public let host: String?
    public let port: String?
    public let database: String?
    /// All options libpq found in the URL, by libpq keyword (password excluded).
    public let options: [String: String]
    /// The password, kept only to scrub it from error messages.
    let password: String?

    /// Parses `url`; throws `.invalidURL` (without echoing the password) when libpq cannot.
    public init(_ url: String) throws(PostgresError) {
        guard url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") else {
            throw PostgresError(
                .invalidURL,
                message: "expected a postgres:// or postgresql:// URL, got \"\(PostgresURL.redact(url))\"",
                operation: "parse URL"
            )
        }
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let parsed = PQconninfoParse(url, &errorMessage) else {
            let message = errorMessage.map { String(cString: $0) } ?? "libpq could not parse the URL"
            if let errorMessage { PQfreemem(errorMessage) }
            let password = PostgresURL.rawPassword(url)
            throw PostgresError(
                .invalidURL,
                message: PostgresURL.scrub(message, password: password) + " in \"\(PostgresURL.redact(url))\"",
                operation: "parse URL"
            )
        }
        defer { PQconninfoFree(parsed) }
        var options: [String: String] = [:]
        var password: String?
        var option = parsed
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val {
                let key = String(cString: keyword)
                if key == "password" { password = String(cString: value) } else { options[key] = String(cString: value) }
            }
            option += 1
        }
        // libpq only checks the port when connecting; a typo there is a configuration error.
        if let port = options["port"] {
            for part in port.split(separator: ",", omittingEmptySubsequences: false) where !part.isEmpty {
                guard let number = Int(part), (1...65535).contains(number) else {
                    throw PostgresError(
                        .invalidURL, message: "invalid port \"\(part)\" in \"\(PostgresURL.redact(url))\"",
                        operation: "parse URL"
                    )
                }
            }
        }
        self.string = url
        self.options = options
        self.password = password
        self.user = options["user"]
        self.host = options["host"] ?? options["hostaddr"]
        self.port = options["port"]
        self.database = options["dbname"]
    }

    /// The URL with the password replaced by `***`, safe for logs.
    public var redacted: String { PostgresURL.redact(string) }
    public var description: String { redacted }

    /// `host:port/database` as libpq will resolve it (defaults filled in), for error messages.
    public var target: String {
        "\(host ?? "localhost"):\(port ?? "5432")/\(database ?? user ?? "")"
    }

    /// Replaces the password in a postgres URL with `***`, splitting userinfo the way libpq does
    /// (up to the first '@' or '/' after the scheme, then the first ':').
    public static func redact(_ url: String) -> String {
        guard let schemeEnd = url.range(of: "://") else { return url }
        let rest = url[schemeEnd.upperBound...]
        guard let at = rest.firstIndex(where: { $0 == "@" || $0 == "/" }), rest[at] == "@" else {
            return redactQueryPassword(url)
        }
        let userinfo = rest[..<at]
        guard let colon = userinfo.firstIndex(of: ":") else { return redactQueryPassword(url) }
        return redactQueryPassword(String(url[..<userinfo.index(after: colon)]) + "***" + String(rest[at...]))
    }

    /// `?password=...` is also accepted by libpq.
    private static func redactQueryPassword(_ url: String) -> String {
        guard let query = url.firstIndex(of: "?") else { return url }
        let parts = url[url.index(after: query)...].split(separator: "&", omittingEmptySubsequences: false).map { part in
            part.hasPrefix("password=") ? "password=***" : String(part)
        }
        return String(url[...query]) + parts.joined(separator: "&")
    }

    /// The password as written in the URL (possibly percent-encoded), for scrubbing messages.
    static func rawPassword(_ url: String) -> String? {
        guard let schemeEnd = url.range(of: "://") else { return nil }
        let rest = url[schemeEnd.upperBound...]
        guard let at = rest.firstIndex(where: { $0 == "@" || $0 == "/" }), rest[at] == "@" else { return nil }
        let userinfo = rest[..<at]
        guard let colon = userinfo.firstIndex(of: ":") else { return nil }
        let password = userinfo[userinfo.index(after: colon)...]
        return password.isEmpty ? nil : String(password)
    }

    /// Removes every occurrence of the password (raw and decoded) from a message.
    static func scrub(_ message: String, password: String?) -> String {
        guard let password, !password.isEmpty else { return message }
        return message.replacingOccurrences(of: password, with: "***")
    }

    func scrub(_ message: String) -> String {
        var text = PostgresURL.scrub(message, password: password)
        text = PostgresURL.scrub(text, password: PostgresURL.rawPassword(string))
        return text
    }
}
