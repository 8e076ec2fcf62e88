import GatewayConfig
import Logging
import Mailboxes
import Outbox

/// Device presence: a `PresenceTracker` on the thread it is given and one database connection,
/// fed by a mailbox.
///
/// Sweeps every `presence.sweep_interval_ms`, writes every ~2 s and soon after a device changed
/// status (`PresenceLoopTiming`), and puts each raised or resolved `device_offline` alert event into
/// the outbox in the same transaction as the alert row.
/// Status transitions go to `onTransitions` (the command worker). Once the mailbox is closed (at
/// graceful shutdown, after the ingest path has drained the ring) it takes what is left and
/// writes every device (`flushAll`), so stored counters are exact up to the stop.
public struct PresenceWorker: MailboxWorker {
    /// The topic and payload of an offline alert event, as the alerts module publishes its own
    /// (presence knows nothing of that module).
    public typealias AlertMessage = @Sendable (PresenceAlertNotice) -> (topic: String, payload: String)

    let settings: PresenceSettings
    let database: DatabaseSettings
    /// Several gateways share the devices' messages (`mqtt.shared_group` set).
    let sharedGroup: Bool
    let outbox: OutboxWriter
    let alertMessage: AlertMessage
    let onTransitions: @Sendable ([PresenceTransition]) -> Void
    let logger: Logger

    public init(
        settings: PresenceSettings, database: DatabaseSettings, sharedGroup: Bool, outbox: OutboxWriter,
        alertMessage: @escaping AlertMessage, logger: Logger, onTransitions: @escaping @Sendable ([PresenceTransition]) -> Void
    ) {
        self.settings = settings
        self.database = database
        self.sharedGroup = sharedGroup
        self.outbox = outbox
        self.alertMessage = alertMessage
        self.onTransitions = onTransitions
        self.logger = logger
    }

    public func run(taking inbox: Mailbox<PresenceInput>) {
        PresenceLoop(worker: self, inbox: inbox).run()
    }
}
