import Foundation
import GatewayConfig
import Logging
import Mailboxes
import Postgres
import Synchronization

/// Listens on `mash_commands` on a dedicated session (`database.listen_url` when set) and turns each wake-up into
/// `.pendingNotified` for the command worker.
///
/// The notification is only a hint (the claim decides, with SKIP LOCKED); a lost one costs the
/// poll interval. After a lost connection it reconnects every second and posts one
/// `.pendingNotified`, since notifications sent meanwhile are gone.
final class CommandListener: Sendable {
    private let database: DatabaseSettings
    private let inbox: Mailbox<CommandInput>
    private let logger: Logger
    private let stopRequested = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)

    init(database: DatabaseSettings, inbox: Mailbox<CommandInput>, logger: Logger) {
        self.database = database
        self.inbox = inbox
        self.logger = logger
    }

    func start() {
        let thread = Thread { [self] in
            run()
            finished.signal()
        }
        thread.name = "mash-commands-listen"
        thread.start()
    }

    /// Ends the thread (within half a second) and waits for it.
    func stop() {
        stopRequested.store(true, ordering: .releasing)
        finished.wait()
    }

    private var stopping: Bool { stopRequested.load(ordering: .acquiring) }

    private func run() {
        var connection: PostgresConnection?
        var failing = false
        while !stopping {
            do {
                if connection == nil {
                    let opened = try PostgresConnection.connect(
                        database.sessionURL, applicationName: "mash-gateway commands-listen", connectTimeoutSeconds: database.connectTimeoutSeconds)
                    try opened.listen(CommandStore.notificationChannel)
                    connection = opened
                    if failing {
                        logger.info("listening for pending commands again")
                        inbox.post(.pendingNotified)
                    }
                    failing = false
                }
                if try !connection!.notifications(timeout: .milliseconds(500)).isEmpty {
                    inbox.post(.pendingNotified)
                }
            } catch {
                if !failing { logger.warning("LISTEN mash_commands failed; the poll covers meanwhile", metadata: ["error": "\(error)"]) }
                failing = true
                connection?.close()
                connection = nil
                for _ in 0..<10 where !stopping { usleep(100_000) }
            }
        }
        connection?.close()
    }
}
