import ConnectionURL

/// MQTT protocol level; v5 is the default because only v5 can ask the broker to keep a
/// persistent session (and its queued QoS 1 messages) for a bounded time via session expiry.
public enum MQTTProtocolVersion: String, Sendable, Equatable, CaseIterable {
    case v311
    case v5
}

/// Client certificates and trust for `mqtts://`; ignored (and rejected by validation) for `mqtt://`.
public struct MQTTTLSSettings: Sendable, Equatable {
    /// PEM file of the CA that signed the broker's certificate; nil uses the system trust store.
    public var caFile: String?
    /// PEM client certificate; must be given together with `keyFile`.
    public var certFile: String?
    /// PEM private key of `certFile`.
    public var keyFile: String?
    /// Skips the broker hostname check. For test brokers only.
    public var insecure: Bool

    public init(caFile: String? = nil, certFile: String? = nil, keyFile: String? = nil, insecure: Bool = false) {
        self.caFile = caFile
        self.certFile = certFile
        self.keyFile = keyFile
        self.insecure = insecure
    }

    /// True when any TLS option differs from the default.
    public var isCustomized: Bool { self != MQTTTLSSettings() }
}

/// How the gateway connects to the broker (`mqtt:` in the YAML).
public struct MQTTSettings: Sendable, Equatable {
    /// `mqtt://[user[:password]@]host[:port]` or `mqtts://…`; see ``endpoint()``.
    public var url: String
    /// Also names the persistent session and the `gateway/<client_id>/status` topic, so it must be unique per instance.
    public var clientID: String
    /// Non-empty: subscriptions go through `$share/<group>/…` so several instances split the load.
    public var sharedGroup: String
    public var keepaliveSeconds: Int
    public var protocolVersion: MQTTProtocolVersion
    /// v5 session expiry: how long the broker keeps our session and queues while we are away.
    public var sessionExpirySeconds: Int
    /// QoS of the gateway's subscriptions and publications (0, 1 or 2).
    public var qos: Int
    /// First reconnect delay; doubles up to `reconnectMaxMilliseconds`.
    public var reconnectMinMilliseconds: Int
    public var reconnectMaxMilliseconds: Int
    public var tls: MQTTTLSSettings
    /// A file whose first line is the broker password; it replaces any password in `url`.
    public var passwordFile: String?

    public init(
        url: String = "mqtt://127.0.0.1:1883",
        clientID: String = "mash-gateway-1",
        sharedGroup: String = "",
        keepaliveSeconds: Int = 30,
        protocolVersion: MQTTProtocolVersion = .v5,
        sessionExpirySeconds: Int = 7 * 24 * 3600,
        qos: Int = 1,
        reconnectMinMilliseconds: Int = 500,
        reconnectMaxMilliseconds: Int = 30_000,
        tls: MQTTTLSSettings = MQTTTLSSettings(),
        passwordFile: String? = nil
    ) {
        self.url = url
        self.clientID = clientID
        self.sharedGroup = sharedGroup
        self.keepaliveSeconds = keepaliveSeconds
        self.protocolVersion = protocolVersion
        self.sessionExpirySeconds = sessionExpirySeconds
        self.qos = qos
        self.reconnectMinMilliseconds = reconnectMinMilliseconds
        self.reconnectMaxMilliseconds = reconnectMaxMilliseconds
        self.tls = tls
        self.passwordFile = passwordFile
    }

    /// The parsed `url`; throws the same problem validation reports for `mqtt.url`.
    public func endpoint() throws(ConfigurationError) -> MQTTURL {
        do {
            return try MQTTURL(parsing: url)
        } catch {
            throw ConfigurationError(ConfigurationProblem(code: .invalidURL, key: "mqtt.url", message: error.message))
        }
    }

    /// The filter to subscribe with: `$share/<group>/<filter>` when `sharedGroup` is set, else `filter`.
    public func subscriptionFilter(_ filter: String) -> String {
        sharedGroup.isEmpty ? filter : "$share/\(sharedGroup)/\(filter)"
    }
}
