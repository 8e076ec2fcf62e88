import DeviceRegistry
import GatewayConfig
import Logging
import Mailboxes
import Outbox

/// Command delivery: the `CommandDispatcher` and the `OperatorCommandHandler` on the thread it is
/// given and one database connection, a `mash_commands` listener on a second thread, publishing
/// to devices through `publish` and answering operators through the outbox.
///
/// What to do when (claims, sweeps, timers, retries, dropping a poisoned input, stopping) is
/// `CommandLoopMachine`'s decision; `CommandLoopDriver` performs its actions. A device publish
/// that fails goes back to the dispatcher as `.publishFailed` (back to pending, no retry spent).
/// Once the mailbox is closed (at graceful shutdown, after the MQTT client and the ingest path
/// have stopped, so every ack that reached the ring is in the mailbox) it applies what is left
/// and returns; commands in flight stay `sent`/`acknowledged` in the database for the next start.
public struct CommandWorker: MailboxWorker {
    /// Publishes at QoS 1; false (and logged by the publisher) when it could not.
    public typealias Publish = @Sendable (_ topic: String, _ payload: String) -> Bool

    let settings: CommandSettings
    let database: DatabaseSettings
    let devices: DeviceDirectory
    let publish: Publish
    let outbox: OutboxWriter
    let brokerConnected: @Sendable () -> Bool
    let logger: Logger

    /// `devices` resolves the targets of operator commands; `brokerConnected` says whether
    /// pending rows may be claimed now.
    public init(
        settings: CommandSettings, database: DatabaseSettings, devices: DeviceDirectory,
        publish: @escaping Publish, outbox: OutboxWriter, brokerConnected: @escaping @Sendable () -> Bool, logger: Logger
    ) {
        self.settings = settings
        self.database = database
        self.devices = devices
        self.publish = publish
        self.outbox = outbox
        self.brokerConnected = brokerConnected
        self.logger = logger
    }

    public func run(taking inbox: Mailbox<CommandInput>) {
        let listener = CommandListener(database: database, inbox: inbox, logger: logger)
        listener.start()
        CommandLoopDriver(worker: self, inbox: inbox).run()
        listener.stop()
    }
}
