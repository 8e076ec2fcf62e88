import GatewayConfig
import Logging
import MQTT
import SchemaMigrations
import ServiceLifecycle

/// The daemon: every long-running part as a `Service` in one `ServiceGroup`.
///
/// Services are registered in start-up order; the group shuts them down in reverse on
/// SIGTERM/SIGINT: first the MQTT intake (publishes `offline`, disconnects: nothing more is
/// accepted), then the database side.
public struct GatewayApp: Sendable {
    public let configuration: GatewayConfiguration
    public let logger: Logger

    public init(configuration: GatewayConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Runs until SIGTERM/SIGINT; throws `StartupError` when the gateway must not start.
    public func run() async throws {
        let notifier = SystemdNotifier()
        let database = DatabaseService(settings: configuration.database, migrations: try Migration.embedded, logger: logger)
        let intake = MQTTIntakeService(settings: configuration.mqtt, after: database.ready, logger: logger) { _ in
            // The ingest pipeline takes messages from here (next step); until then they are only counted.
        }
        let systemd = SystemdService(notifier: notifier, readyAfter: database.ready, logger: logger)
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: ([database, intake, systemd] as [any Service]).map {
                ServiceGroupConfiguration.ServiceConfiguration(service: $0, successTerminationBehavior: .gracefullyShutdownGroup)
            },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        ))
        try await group.run()
        logger.info("stopped")
    }
}
