import GatewayConfig
import Logging
import MQTT
import Prometheus
import SchemaMigrations
import ServiceLifecycle

/// The daemon: every long-running part as a `Service` in one `ServiceGroup`.
///
/// Services are registered in start-up order; the group shuts them down in reverse on
/// SIGTERM/SIGINT: first the MQTT intake (publishes `offline`, disconnects: nothing more is
/// accepted), then the ingest path (drains the ring into PostgreSQL or the spool), then the
/// database gate.
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
        let notifier = SystemdNotifier()
        let database = DatabaseService(settings: configuration.database, migrations: try Migration.embedded, logger: logger)
        let ingest = IngestService(configuration: configuration, after: database.ready, control: nil, logger: logger)
        let ringIntake = ingest.intake
        let intake = MQTTIntakeService(settings: configuration.mqtt, after: ingest.ready, logger: logger) { message in
            ringIntake.accept(message)
        }
        let systemd = SystemdService(notifier: notifier, readyAfter: ingest.ready, logger: logger)
        var services: [any Service] = [database, ingest, intake, systemd]
        if let address = try configuration.http.listenAddress() {
            services.append(try StatusService(address: address, registry: metrics, logger: logger) {
                var problems = [String]()
                if !database.ready.isReady { problems.append("database: not ready (waiting for PostgreSQL or the schema check)") }
                if intake.publisher.client?.isConnected != true { problems.append("mqtt: not connected to the broker") }
                return problems
            })
        }
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: services.map {
                ServiceGroupConfiguration.ServiceConfiguration(service: $0, successTerminationBehavior: .gracefullyShutdownGroup)
            },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        ))
        try await group.run()
        logger.info("stopped")
    }
}
