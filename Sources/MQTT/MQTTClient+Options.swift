import ConnectionURL

extension MQTTClient {
    /// The MQTT protocol spoken to the broker.
    public enum ProtocolVersion: Sendable, Equatable {
        case v311
        case v5
    }

    /// The message the broker publishes for us if the connection drops without DISCONNECT: an
    /// ordinary outgoing message, held by the broker instead of sent now.
    public typealias Will = MQTTOutgoingMessage

    /// TLS settings, used only with an `mqtts://` URL.
    ///
    /// Without `caFile` and `caPath` the operating system's trusted certificates verify the broker.
    public struct TLS: Sendable, Equatable {
        public var caFile: String?
        public var caPath: String?
        /// Client certificate and key (PEM) for brokers that require client authentication.
        public var certFile: String?
        public var keyFile: String?
        /// Skips the host name check of the broker's certificate. For tests only.
        public var insecure: Bool

        public init(caFile: String? = nil, caPath: String? = nil, certFile: String? = nil, keyFile: String? = nil, insecure: Bool = false) {
            self.caFile = caFile
            self.caPath = caPath
            self.certFile = certFile
            self.keyFile = keyFile
            self.insecure = insecure
        }

        var isEmpty: Bool { self == TLS() }
    }

    /// Everything needed to connect; defaults suit a long-running daemon.
    ///
    /// The defaults keep data: a persistent session (`cleanSession == false`), and with MQTT v5
    /// a session that never expires, so QoS ≥ 1 messages published while the client is away
    /// wait at the broker.
    public struct Options: Sendable, CustomStringConvertible {
        /// `mqtt://[user[:password]@]host[:port]` or `mqtts://…` (default ports 1883 / 8883).
        public var url: String
        /// Required (non-empty) for a persistent session: the broker keys the session by it.
        public var clientID: String
        /// false: the broker keeps our subscriptions and queued messages across disconnects.
        public var cleanSession: Bool
        public var protocolVersion: ProtocolVersion
        /// Sent as the MQTT v5 session-expiry-interval property when `cleanSession` is false.
        /// Without it a v5 broker discards the session at disconnect. `UInt32.max` = never expires;
        /// 0 sends no property (the session ends with the connection).
        public var sessionExpiryInterval: UInt32
        /// How often the client pings an idle connection (at least 5 seconds).
        public var keepalive: Duration
        public var will: Will?
        public var tls: TLS
        /// Reconnect backoff: the first retry after `reconnectDelayMin`, growing exponentially
        /// to `reconnectDelayMax` (libmosquitto works in whole seconds).
        public var reconnectDelayMin: Duration
        public var reconnectDelayMax: Duration
        /// QoS ≥ 1 messages in flight in each direction (outgoing window; with MQTT v5 also the
        /// receive maximum announced to the broker). 0 = unlimited outgoing.
        public var maxInflightMessages: Int

        public init(
            url: String,
            clientID: String,
            cleanSession: Bool = false,
            protocolVersion: ProtocolVersion = .v311,
            sessionExpiryInterval: UInt32 = .max,
            keepalive: Duration = .seconds(30),
            will: Will? = nil,
            tls: TLS = TLS(),
            reconnectDelayMin: Duration = .seconds(1),
            reconnectDelayMax: Duration = .seconds(30),
            maxInflightMessages: Int = 1000
        ) {
            self.url = url
            self.clientID = clientID
            self.cleanSession = cleanSession
            self.protocolVersion = protocolVersion
            self.sessionExpiryInterval = sessionExpiryInterval
            self.keepalive = keepalive
            self.will = will
            self.tls = tls
            self.reconnectDelayMin = reconnectDelayMin
            self.reconnectDelayMax = reconnectDelayMax
            self.maxInflightMessages = maxInflightMessages
        }

        /// The options with the URL's password masked.
        public var description: String {
            let shownURL = (try? MQTTURL(parsing: url).description) ?? redacted(url: url)
            return "MQTTClient.Options(url: \(shownURL), clientID: \(clientID), cleanSession: \(cleanSession), "
                + "protocol: \(protocolVersion), keepalive: \(keepalive), will: \(will?.topic ?? "none"), "
                + "maxInflight: \(maxInflightMessages))"
        }
    }
}

extension MQTTClient.Options: CustomReflectable {
    /// Keeps `dump()` and debuggers from showing the password inside `url`.
    public var customMirror: Mirror {
        Mirror(self, children: ["description": description], displayStyle: .struct)
    }
}

extension Duration {
    /// Whole seconds, rounded up, at least `minimum`; libmosquitto takes seconds as integers.
    func wholeSeconds(minimum: Int64 = 0) -> Int64 {
        let (seconds, attoseconds) = components
        return max(minimum, seconds + (attoseconds > 0 ? 1 : 0))
    }
}
