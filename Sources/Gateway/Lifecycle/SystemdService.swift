import Logging
import ServiceLifecycle

/// Tells systemd when the gateway is ready and that it is alive (`Type=notify`, `WatchdogSec=`).
///
/// READY=1 is sent once the database gate has opened (schema checked), STOPPING=1 on graceful
/// shutdown. Outside systemd this service only waits.
final class SystemdService: Service, Sendable {
    private let notifier: SystemdNotifier
    private let gate: Readiness
    private let logger: Logger

    init(notifier: SystemdNotifier, readyAfter gate: Readiness, logger: Logger) {
        self.notifier = notifier
        self.gate = gate
        self.logger = logger
    }

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown { try await self.gate.wait() }
        } catch is CancellationError {
            notifier.stopping()
            return
        }
        notifier.ready(status: "running")
        if let interval = notifier.watchdogInterval {
            logger.debug("systemd watchdog enabled", metadata: ["interval": "\(interval)"])
            // Until the ingest loops report liveness, the watchdog proves the process and its
            // scheduler are alive.
            try? await cancelWhenGracefulShutdown {
                while true {
                    self.notifier.watchdog()
                    try await Task.sleep(for: interval)
                }
            }
        } else {
            try? await gracefulShutdown()
        }
        notifier.stopping()
    }
}
