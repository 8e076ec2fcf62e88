import ArgumentParser
import Gateway
import GatewayConfig
import Metrics
import Prometheus

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the gateway until SIGTERM/SIGINT, then drain and exit 0.",
        discussion: """
            Waits for PostgreSQL (retrying while it is unreachable), refuses to start if the schema is behind this
            binary (run `mash-gateway migrate`), connects to the broker with a persistent session and subscribes to
            the device and operator topics. Logs one line per event on stderr (journald-friendly under systemd).
            """
    )

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        let configuration = try options.loadForConnecting()
        let logger = makeLogger("mash", level: configuration.logging.level)
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        do {
            try await GatewayApp(configuration: configuration, logger: logger, metrics: registry).run()
        } catch let error as StatusServerError {
            printError(error.description)
            throw Exit.configuration
        } catch let error as StartupError {
            printError(error.message)
            switch error.kind {
            case .schemaMismatch: throw Exit.schemaMismatch
            case .unavailable: throw Exit.unavailable
            case .localState: throw Exit.failure
            }
        } catch {
            printError("stopped on an error: \(error)")
            throw Exit.failure
        }
    }
}
