import GatewayConfig
import Logging
import Metrics
import MQTT
import ServiceLifecycle
import Telemetry

/// The gateway's broker connection: receives every message it subscribes to and hands it, still
/// borrowed, to a sink.
///
/// Runs after the database gate opens (so nothing is acknowledged before the schema is known
/// to match), connects with a persistent session, subscribes, and keeps the retained
/// `gateway/{client_id}/status` at `online` (re-published after every reconnect, because the
/// broker publishes the `offline` will when a connection drops). On graceful shutdown it
/// publishes `offline` and disconnects cleanly, so nothing more is received or acknowledged.
public final class BrokerService: Service, Sendable {
    /// Where incoming messages go; called on the libmosquitto loop thread (see `MQTTClient`).
    public typealias Sink = @Sendable (borrowing MQTTMessageView) -> Void

    private let settings: MQTTSettings
    /// The device conventions whose topics are subscribed (`ingest.conventions`).
    private let conventions: DeviceConventions.Enabled
    private let gate: Readiness
    private let sink: Sink
    private let logger: Logger
    /// Set once the client exists, so others (commands, alerts) can publish through it.
    public let publisher = PublisherSlot()
    /// Opens once the client has been started with its subscriptions (connected or still trying).
    public let started = Readiness()
    private let connection = BrokerConnectionGauges()

    public init(
        settings: MQTTSettings, conventions: DeviceConventions.Enabled = DeviceConventions.Enabled(names: DeviceConventions.defaultNames),
        after gate: Readiness, logger: Logger, sink: @escaping Sink
    ) {
        self.settings = settings
        self.conventions = conventions
        self.gate = gate
        self.sink = sink
        self.logger = logger
    }

    public var statusTopic: String { "gateway/\(settings.clientID)/status" }

    public func run() async throws {
        do {
            try await cancelWhenGracefulShutdown { try await self.gate.wait() }
        } catch is CancellationError {
            return
        }
        let client = try makeClient()
        for subscription in SubscriptionTopics.all(conventions: conventions) {
            let filter = subscription.everyInstance ? subscription.filter : settings.subscriptionFilter(subscription.filter)
            try client.subscribe(filter, qos: MQTTQoS(rawValue: Int32(settings.qos)) ?? .atLeastOnce)
            logger.debug("subscribing", metadata: ["filter": "\(filter)"])
        }
        logger.info("device conventions on", metadata: ["conventions": "\(conventions.names.joined(separator: ", "))"])
        // Best effort: a broker whose ACL hides $SYS refuses it, and ingestion is unaffected.
        try client.subscribe(BrokerDropWatch.topic, qos: .atMostOnce)
        try client.start()
        started.signal()
        logger.info("mqtt intake started", metadata: ["broker": "\(client.url)", "client_id": "\(settings.clientID)"])
        try? await gracefulShutdown()
        logger.info("mqtt intake stopping: publishing offline status and disconnecting")
        publisher.set(nil)
        let offline = MQTTOutgoingMessage(topic: statusTopic, payload: Array("offline".utf8), qos: .atLeastOnce, retain: true)
        try await onDedicatedThread("mash-mqtt-stop") { client.stop(finalMessage: offline, timeout: .seconds(5)) }
    }

    private func makeClient() throws -> MQTTClient {
        let statusTopic = self.statusTopic
        let logger = self.logger
        let options = MQTTClient.Options(settings: settings, will: MQTTClient.Will(
            topic: statusTopic, payload: "offline", qos: .atLeastOnce, retain: true))
        let holder = publisher
        let connection = self.connection
        let client = try MQTTClient(options: options, logger: logger, onEvent: { event in
            switch event {
            case .connected(let sessionPresent):
                connection.connected()
                logger.info("connected to broker", metadata: ["session_present": "\(sessionPresent)"])
                // After a drop the broker has published our will; put the retained status back.
                _ = try? holder.client?.publish(topic: statusTopic, payload: "online", qos: .atLeastOnce, retain: true)
            case .connectionRefused(let error):
                logger.error("broker refused the connection", metadata: ["error": "\(error)"])
            case .disconnected(_, let reason, let unexpected):
                connection.disconnected()
                if unexpected {
                    logger.warning("connection to broker lost, reconnecting", metadata: ["reason": "\(reason)"])
                }
            case .subscribed(_, let granted):
                if granted.contains(128) {
                    logger.error("broker refused a subscription (check its ACL)", metadata: ["granted_qos": "\(granted)"])
                }
            case .published(let messageID):
                holder.acks.acknowledged(messageID)
            }
        }, onMessage: sink)
        // Set before start: the first `.connected` event publishes `online` through it.
        holder.set(client)
        return client
    }
}

extension MQTTClient.Options {
    /// The client options for the gateway's own connection: a persistent session under a fixed client id.
    init(settings: MQTTSettings, will: MQTTClient.Will?) {
        self.init(
            url: settings.url,
            clientID: settings.clientID,
            cleanSession: false,
            protocolVersion: settings.protocolVersion == .v5 ? .v5 : .v311,
            sessionExpiryInterval: UInt32(clamping: settings.sessionExpirySeconds),
            keepalive: .seconds(settings.keepaliveSeconds),
            will: will,
            tls: MQTTClient.TLS(
                caFile: settings.tls.caFile, certFile: settings.tls.certFile, keyFile: settings.tls.keyFile,
                insecure: settings.tls.insecure),
            reconnectDelayMin: .milliseconds(settings.reconnectMinMilliseconds),
            reconnectDelayMax: .milliseconds(settings.reconnectMaxMilliseconds)
        )
    }
}
