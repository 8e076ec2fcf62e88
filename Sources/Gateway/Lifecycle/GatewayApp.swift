import Alerts
import Commands
import GatewayConfig
import Ingest
import Logging
import Mailboxes
import MQTT
import Outbox
import Presence
import Prometheus
import SchemaMigrations
import ServiceLifecycle
import Telemetry

/// The daemon: every long-running part as a `Service` in one `ServiceGroup`.
///
/// Services are registered in start-up order; the group shuts them down in reverse on
/// SIGTERM/SIGINT: first the outbox publisher (marks what the broker acknowledged), then the broker
/// connection (publishes `offline`, disconnects: nothing more is
/// accepted), then the ingest path (drains the ring into PostgreSQL or the spool, handing the
/// last control messages to presence, commands and alerts), then presence (writes every device),
/// then alerts (evaluates the last readings, writes current values), then commands (applies the
/// last acks), then the database gate.
public struct GatewayApp: Sendable {
    public let configuration: GatewayConfiguration
    public let logger: Logger
    /// Where the process's swift-metrics land (the CLI bootstraps MetricsSystem with it); `/metrics` renders it.
    public let metrics: PrometheusCollectorRegistry

    public init(configuration: GatewayConfiguration, logger: Logger, metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.configuration = configuration
        self.logger = logger
        self.metrics = metrics
    }

    /// Runs until SIGTERM/SIGINT; throws `StartupError` when the gateway must not start.
    public func run() async throws {
        MallocTuning.apply()
        let notifier = SystemdNotifier()
        let database = DatabaseService(settings: configuration.database, migrations: try Migration.embedded, logger: logger, notifier: notifier)
        let control = ControlRouter(alertRules: configuration.alerts.rules, logger: logger)
        let liveness = Liveness()
        let ingest = IngestService(configuration: configuration, after: database.ready, control: control, liveness: liveness, logger: logger)
        let recorder = ingest.recorder
        let drops = BrokerDropWatch(logger: logger)
        let broker = BrokerService(
            settings: configuration.mqtt, conventions: DeviceConventions.Enabled(names: configuration.ingest.conventions),
            after: ingest.ready, logger: logger
        ) { message in
            if message.topic.first == UInt8(ascii: "$"), drops.handle(message) { return }
            recorder.record(topic: message.topic, payload: message.payload, retained: message.retain)
        }
        let publish = broker.publisher.publisher(logger: logger)
        let outboxWakes = Mailbox<OutboxWake>()
        let outbox = OutboxWriter { outboxWakes.post(OutboxWake()) }
        let outboxPublisher = MailboxService(thread: "mash-outbox", after: database.ready, inbox: outboxWakes, worker: OutboxPublisher(
            settings: configuration.outbox, database: configuration.database, acks: broker.publisher.acks,
            publish: broker.publisher.outboxPublisher(logger: logger), brokerConnected: broker.publisher.isBrokerConnected, logger: logger))
        let commands = MailboxService(thread: "mash-commands", after: database.ready, inbox: control.commands, worker: CommandWorker(
            settings: configuration.commands, database: configuration.database, devices: ingest.devices,
            publish: publish, outbox: outbox, brokerConnected: broker.publisher.isBrokerConnected, logger: logger))
        let commandInbox = control.commands
        let devices = ingest.devices
        let presence = MailboxService(thread: "mash-presence", after: database.ready, inbox: control.presence, worker: PresenceWorker(
            settings: configuration.presence, database: configuration.database, sharedGroup: !configuration.mqtt.sharedGroup.isEmpty,
            outbox: outbox, alertMessage: { notice in
                AlertMetrics.shared.count(notice.event == .raised ? .raised : .resolved)
                return AlertNotice.message(for: notice, devices: devices)
            }, logger: logger
        ) { transitions in
            commandInbox.post(.presence(transitions))
        })
        let alerts = MailboxService(thread: "mash-alerts", after: database.ready, inbox: control.alerts, worker: AlertWorker(
            settings: configuration.alerts, database: configuration.database, outbox: outbox, logger: logger))
        let systemd = SystemdService(notifier: notifier, readyAfter: ingest.ready, liveness: liveness, logger: logger)
        // The outbox publisher stops before the broker connection: it waits for the PUBACKs of what it
        // has published and marks those entries while the connection can still bring them in, so a
        // clean restart publishes nothing twice. What the drains below enqueue goes out at the next start.
        var services: [any Service] = [database, commands, alerts, presence, ingest, broker, outboxPublisher, systemd]
        if let address = try configuration.http.listenAddress() {
            let endpoints = StatusEndpoints.gateway(
                database: database.ready, ingest: ingest, broker: broker, liveness: liveness, registry: metrics)
            services.append(StatusServer(address: address, endpoints: endpoints, logger: logger))
        }
        // A service that returns before a shutdown was asked for is a failure (the group throws and
        // the process exits 1, so systemd restarts it), never a quiet exit 0.
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        ))
        try await group.run()
        logger.info("stopped")
    }
}
