import GatewayConfig
import Logging
import Postgres
import SchemaMigrations
import ServiceLifecycle

/// Waits for PostgreSQL, checks that the schema matches this binary, then opens the gate
/// for the services that need the database.
///
/// While the database is unreachable it retries with capped backoff and one log line per
/// attempt, and asks systemd to extend the start timeout (`EXTEND_TIMEOUT_USEC`) before each
/// attempt, so a database that is down at boot never gets the gateway killed for starting too
/// slowly; SIGTERM during that wait ends the daemon cleanly (exit 0). A schema that is behind
/// (or an applied migration that was edited) is a `StartupError` — `run` refuses to start.
public final class DatabaseService: Service, Sendable {
    public let ready = Readiness()
    private let settings: DatabaseSettings
    private let migrations: [Migration]
    private let logger: Logger
    private let notifier: SystemdNotifier

    public init(settings: DatabaseSettings, migrations: [Migration], logger: Logger, notifier: SystemdNotifier = SystemdNotifier(environment: [:])) {
        self.settings = settings
        self.migrations = migrations
        self.logger = logger
        self.notifier = notifier
    }

    /// How much longer start-up may take from an attempt that may wait `delay` and then connect for
    /// up to the connect timeout: both, plus a margin for the schema check and the rest of start-up.
    static func startupExtension(delay: Duration, connectTimeoutSeconds: Int) -> Duration {
        delay + .seconds(connectTimeoutSeconds) + .seconds(30)
    }

    public func run() async throws {
        let connection: PostgresConnection
        do {
            connection = try await cancelWhenGracefulShutdown { try await self.connectWithRetry() }
        } catch is CancellationError {
            return
        }
        defer { connection.close() }
        let logger = self.logger
        let status = try await onDedicatedThread("mash-db-check") { [migrations] in
            try MigrationRunner(migrations: migrations, logger: logger).status(connection)
        }
        guard status.isCurrent else {
            throw StartupError(.schemaMismatch, status.summary)
        }
        logger.info("database ready", metadata: ["database": "\(connection.redactedURL)", "migrations": "\(status.applied.count)"])
        ready.signal()
        try? await gracefulShutdown()
    }

    private func connectWithRetry() async throws -> PostgresConnection {
        var delay = Duration.seconds(1)
        var attempt = 0
        while true {
            try Task.checkCancellation()
            attempt += 1
            notifier.extendTimeout(
                by: Self.startupExtension(delay: delay, connectTimeoutSeconds: settings.connectTimeoutSeconds),
                status: attempt == 1 ? "connecting to PostgreSQL" : "waiting for PostgreSQL (attempt \(attempt))")
            do {
                let settings = self.settings
                return try await onDedicatedThread("mash-db-connect") {
                    try PostgresConnection.connect(
                        settings.url, applicationName: "mash-gateway", connectTimeoutSeconds: settings.connectTimeoutSeconds)
                }
            } catch let error as PostgresError where error.code != .invalidURL {
                logger.warning("database unreachable, retrying", metadata: [
                    "error": "\(error)", "retry_in": "\(delay.components.seconds)s",
                ])
            }
            try await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(30))
        }
    }
}
