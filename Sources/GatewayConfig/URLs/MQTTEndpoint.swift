/// Where and how to connect to the broker, parsed from `mqtt.url`.
public struct MQTTEndpoint: Sendable, Equatable {
    public enum Scheme: String, Sendable, Equatable, CaseIterable {
        case mqtt
        case mqtts

        /// 1883 for plain MQTT, 8883 for MQTT over TLS (IANA).
        public var defaultPort: Int { self == .mqtt ? 1883 : 8883 }
    }

    public var scheme: Scheme
    /// Host name or IP address (IPv6 without brackets).
    public var host: String
    /// The URL's port, else the scheme's default.
    public var port: Int
    /// Percent-decoded; nil when the URL has none.
    public var username: String?
    /// Percent-decoded; never print it, use ``redacted(url:)`` on the URL instead.
    public var password: String?

    public var usesTLS: Bool { scheme == .mqtts }

    public init(scheme: Scheme, host: String, port: Int? = nil, username: String? = nil, password: String? = nil) {
        self.scheme = scheme
        self.host = host
        self.port = port ?? scheme.defaultPort
        self.username = username
        self.password = password
    }

    /// Parses and validates `url`; problems are reported under `key`.
    public init(url: String, key: String = "mqtt.url") throws(ConfigurationError) {
        switch MQTTEndpoint.parse(url, key: key) {
        case .success(let endpoint): self = endpoint
        case .failure(let error): throw error
        }
    }

    static func parse(_ url: String, key: String) -> Result<MQTTEndpoint, ConfigurationError> {
        let example = "mqtt://host:1883 or mqtts://host:8883"
        switch URLParts.parse(url) {
        case .failure(let failure):
            return .failure(ConfigurationError(urlProblem(failure, url: url, key: key, example: example)))
        case .success(let parts):
            guard let scheme = Scheme(rawValue: parts.scheme) else {
                return .failure(ConfigurationError(ConfigurationProblem(
                    code: .invalidURL, key: key,
                    message: "scheme \"\(parts.scheme)\" is not allowed in \"\(redacted(url: url))\"; use mqtt or mqtts")))
            }
            guard parts.path.isEmpty || parts.path == "/", parts.query == nil else {
                return .failure(ConfigurationError(ConfigurationProblem(
                    code: .invalidURL, key: key,
                    message: "\"\(redacted(url: url))\" has a path or query, which MQTT does not use; use \(example)")))
            }
            return .success(MQTTEndpoint(
                scheme: scheme, host: parts.host, port: parts.port,
                username: parts.username, password: parts.password))
        }
    }
}

/// The problem for a URL that did not parse, worded for `key`.
func urlProblem(_ failure: URLParts.Failure, url: String, key: String, example: String) -> ConfigurationProblem {
    let shown = redacted(url: url)
    let message = switch failure {
    case .notAURL: "\"\(shown)\" is not a URL; use \(example)"
    case .noHost: "\"\(shown)\" has no host; use \(example)"
    // The port text is not echoed: a malformed URL may have split a password there.
    case .badPort: "\"\(shown)\" has an invalid port; use a number in 1...65535"
    case .badEscape: "\"\(shown)\" has a malformed %-escape in the user name or password; write reserved characters as %XX"
    }
    return ConfigurationProblem(code: .invalidURL, key: key, message: message)
}
