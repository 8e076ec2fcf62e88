import GatewayConfig
import Logging
import Prometheus
import ServiceLifecycle

/// Serves `/metrics` and `/healthz` on `http.listen` for as long as the gateway runs.
final class StatusService: Service, Sendable {
    private let server: StatusServer

    /// Binds at construction, so a taken port fails start-up with a clear line instead of later.
    init(address: ListenAddress, registry: PrometheusCollectorRegistry, logger: Logger, health: @escaping StatusServer.Health) throws {
        server = try StatusServer(host: address.host, port: address.port, logger: logger, health: health) {
            var buffer = [UInt8]()
            buffer.reserveCapacity(16 * 1024)
            registry.emit(into: &buffer)
            return buffer
        }
        logger.info("status server listening", metadata: ["address": "\(address.host):\(server.port)"])
    }

    func run() async throws {
        server.start()
        try? await gracefulShutdown()
        server.stop()
    }
}
