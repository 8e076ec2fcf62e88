import GatewayConfig
import Logging
import Mailboxes

/// Device presence: a `PresenceTracker` on the thread it is given and one database connection,
/// fed by a mailbox.
///
/// Sweeps every `presence.sweep_interval_ms`, writes every ~2 s and soon after a device changed
/// status (`PresenceLoopTiming`), and publishes each raised or resolved `device_offline` alert.
/// Status transitions go to `onTransitions` (the command worker). Once the mailbox is closed (at
/// graceful shutdown, after the ingest path has drained the ring) it takes what is left and
/// writes every device (`flushAll`), so stored counters are exact up to the stop.
public struct PresenceWorker: MailboxWorker {
    /// Publishes at QoS 1; false (and logged by the publisher) when it could not.
    public typealias Publish = @Sendable (_ topic: String, _ payload: String) -> Bool
    /// The topic and payload of an offline alert event, as the alerts module publishes its own
    /// (presence knows nothing of that module).
    public typealias AlertMessage = @Sendable (PresenceAlertNotice) -> (topic: String, payload: String)

    let settings: PresenceSettings
    let database: DatabaseSettings
    /// Several gateways share the devices' messages (`mqtt.shared_group` set).
    let sharedGroup: Bool
    let publish: Publish
    let alertMessage: AlertMessage
    let onTransitions: @Sendable ([PresenceTransition]) -> Void
    let logger: Logger

    public init(
        settings: PresenceSettings, database: DatabaseSettings, sharedGroup: Bool, publish: @escaping Publish,
        alertMessage: @escaping AlertMessage, logger: Logger, onTransitions: @escaping @Sendable ([PresenceTransition]) -> Void
    ) {
        self.settings = settings
        self.database = database
        self.sharedGroup = sharedGroup
        self.publish = publish
        self.alertMessage = alertMessage
        self.onTransitions = onTransitions
        self.logger = logger
    }

    public func run(taking inbox: Mailbox<PresenceInput>) {
        PresenceLoop(worker: self, inbox: inbox).run()
    }
}
