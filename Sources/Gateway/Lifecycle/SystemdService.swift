import Ingest
import Logging
import ServiceLifecycle

/// Tells systemd when the gateway is ready and that it is alive (`Type=notify`, `WatchdogSec=`).
///
/// READY=1 is sent once the database gate has opened (schema checked), STOPPING=1 on graceful
/// shutdown. Outside systemd this service only waits.
final class SystemdService: Service, Sendable {
    private let notifier: SystemdNotifier
    private let gate: Readiness
    private let liveness: Liveness
    private let logger: Logger

    init(notifier: SystemdNotifier, readyAfter gate: Readiness, liveness: Liveness, logger: Logger) {
        self.notifier = notifier
        self.gate = gate
        self.liveness = liveness
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
            // Pinged only while the ingest loop makes progress: a wedged loop stops the pings and
            // systemd restarts the gateway (the ring keeps every accepted message).
            try? await cancelWhenGracefulShutdown {
                var warned = false
                while true {
                    if self.liveness.silence < interval * 2 {
                        self.notifier.watchdog()
                        warned = false
                    } else if !warned {
                        warned = true
                        self.logger.critical("ingest loop stalled; not pinging the systemd watchdog", metadata: [
                            "silent_for": "\(self.liveness.silence)",
                        ])
                    }
                    try await Task.sleep(for: interval)
                }
            }
        } else {
            try? await gracefulShutdown()
        }
        notifier.stopping()
    }
}
