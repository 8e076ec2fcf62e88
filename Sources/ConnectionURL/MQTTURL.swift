/// A broker address parsed from `mqtt://[user[:password]@]host[:port][/]` or `mqtts://…`.
///
/// The one MQTT URL parser: configuration checks (`check-config`) and the client (`run`) both
/// use it, so a URL that passes the check is the URL the client connects to. The scheme decides
/// TLS and the default port (1883 / 8883) and is case-insensitive; user and password are
/// percent-decoded; an IPv6 host is written in brackets; a path other than `/`, a query or a
/// fragment is refused. `description` masks the password, so logging the URL is safe.
public struct MQTTURL: Sendable, Equatable, CustomStringConvertible {
    public var useTLS: Bool
    /// Host name or IP address (IPv6 without brackets).
    public var host: String
    /// The URL's port, else the scheme's default.
    public var port: Int
    /// Percent-decoded; nil when the URL has none.
    public var username: String?
    /// Percent-decoded; never print it.
    public var password: String?

    /// 1883 for plain MQTT, 8883 for MQTT over TLS (IANA).
    public static func defaultPort(useTLS: Bool) -> Int { useTLS ? 8883 : 1883 }

    /// Shown in messages as the accepted forms.
    public static let example = "mqtt://host:1883 or mqtts://host:8883"

    public init(useTLS: Bool, host: String, port: Int? = nil, username: String? = nil, password: String? = nil) {
        self.useTLS = useTLS
        self.host = host
        self.port = port ?? Self.defaultPort(useTLS: useTLS)
        self.username = username
        self.password = password
    }

    /// Parses `string`; the error's message names what is wrong and never shows the password.
    public init(parsing string: String) throws(InvalidURL) {
        let parts: URLParts
        switch URLParts.parse(string) {
        case .failure(let failure): throw InvalidURL(failure, url: string, example: Self.example)
        case .success(let parsed): parts = parsed
        }
        guard parts.scheme == "mqtt" || parts.scheme == "mqtts" else {
            throw InvalidURL.scheme(parts.scheme, url: string, allowed: "mqtt or mqtts")
        }
        guard parts.path.isEmpty || parts.path == "/", parts.query == nil, parts.fragment == nil else {
            throw InvalidURL(message: "\"\(redacted(url: string))\" has a path or query, which MQTT does not use; use \(Self.example)")
        }
        // libmosquitto sends a password only with a user name: refuse rather than connect without it.
        guard parts.password == nil || parts.username != nil else {
            throw InvalidURL(message: "\"\(redacted(url: string))\" has a password but no user name; use \(Self.example)")
        }
        self.init(
            useTLS: parts.scheme == "mqtts", host: parts.host, port: parts.port,
            username: parts.username, password: parts.password)
    }

    /// The URL with the password masked.
    public var description: String {
        var text = useTLS ? "mqtts://" : "mqtt://"
        if let username {
            text += username
            if password != nil { text += ":" + redactedPassword }
            text += "@"
        }
        text += host.contains(":") ? "[\(host)]" : host
        return text + ":\(port)"
    }
}

extension MQTTURL: CustomReflectable {
    /// Keeps `dump()` and debuggers from showing the password.
    public var customMirror: Mirror {
        Mirror(self, children: ["url": description], displayStyle: .struct)
    }
}
