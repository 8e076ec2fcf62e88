import CLibPQ
import ConnectionURL
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

    /// Shown in messages as the accepted form.
    public static let example = "postgres://user@host:5432/dbname"

    /// Parses `url` with libpq; throws `.invalidURL` with a message that names the fix and never the password.
    ///
    /// The one PostgreSQL URL parser: configuration checks (`check-config`) and connections (`run`)
    /// both use it, and it is libpq's own, so whatever libpq would refuse at connect time
    /// (an unknown `?parameter`, a bad escape, multi-host syntax) is refused at check time too.
    public init(_ url: String) throws(PostgresError) {
        func fail(_ message: String) -> PostgresError {
            PostgresError(.invalidURL, message: message, operation: "parse URL")
        }
        guard let separator = url.range(of: "://"),
              url[..<separator.lowerBound].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) }),
              url.first?.isLetter == true else {
            throw fail("\"\(ConnectionURL.redacted(url: url))\" is not a URL; use \(Self.example)")
        }
        let scheme = String(url[..<separator.lowerBound])
        guard scheme == "postgres" || scheme == "postgresql" else {
            throw fail("scheme \"\(scheme)\" is not allowed in \"\(ConnectionURL.redacted(url: url))\"; use postgres or postgresql")
        }
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let parsed = PQconninfoParse(url, &errorMessage) else {
            let message = errorMessage.map { String(cString: $0).trimmingCharacters(in: .whitespacesAndNewlines) } ?? "libpq could not parse the URL"
            if let errorMessage { PQfreemem(errorMessage) }
            let password = PostgresURL.rawPassword(url)
            throw fail(PostgresURL.scrub(message, password: password) + " in \"\(ConnectionURL.redacted(url: url))\"")
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
                    // The port text is not echoed: a malformed URL may have split a password there.
                    throw fail("\"\(ConnectionURL.redacted(url: url))\" has an invalid port; use a number in 1...65535")
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

    /// The URL with the password masked, safe for logs.
    public var redacted: String { ConnectionURL.redacted(url: string) }
    public var description: String { redacted }

    /// `host:port/database` as libpq will resolve it (defaults filled in), for error messages;
    /// several hosts read `h1:p1,h2:p2/database` (one port given for several hosts applies to each).
    public var target: String {
        let hosts = (host ?? "").split(separator: ",", omittingEmptySubsequences: false)
        let ports = (port ?? "").split(separator: ",", omittingEmptySubsequences: false)
        let pairs = hosts.enumerated().map { index, host in
            let port = ports.count == hosts.count ? ports[index] : ports.first ?? ""
            return "\(host.isEmpty ? "local socket" : host):\(port.isEmpty ? "5432" : port)"
        }
        return pairs.joined(separator: ",") + "/\(database ?? user ?? "")"
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
        return message.replacingOccurrences(of: password, with: redactedPassword)
    }

    func scrub(_ message: String) -> String {
        var text = PostgresURL.scrub(message, password: password)
        text = PostgresURL.scrub(text, password: PostgresURL.rawPassword(string))
        return text
    }
}
