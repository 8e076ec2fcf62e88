import GatewayConfig
import Logging
import Mailboxes
import Outbox

/// Threshold alerting: a `ThresholdAlertEngine` and the operators' alert actions on the thread it
/// is given and one database connection, fed by a mailbox.
///
/// Ticks every 250 ms (for `for_s` and escalation), writes `current_value` changes at most once
/// per second. Every raise, escalation, acknowledgement and resolution for `alerts/{device}` goes
/// into the outbox in the transaction that makes it, and so does the answer on
/// `operators/{operator}/responses` to an operator's action (decided and written by
/// `AlertActionHandler`); the outbox publisher sends them. Readings arrive once stored (see
/// `WatchedReadingFeed`). When the database fails, the connection is dropped, readings and
/// operator actions wait (readings bounded, see `WaitingReadings`), and the engine is rebuilt
/// from the open alerts rows after reconnecting, then judges what waited. Once the mailbox is closed
/// (at graceful shutdown, after the ingest path has drained) it applies what is left, writes the
/// last current values and returns.
public struct AlertWorker: MailboxWorker {
    let settings: AlertSettings
    let database: DatabaseSettings
    let outbox: OutboxWriter
    let logger: Logger

    public init(settings: AlertSettings, database: DatabaseSettings, outbox: OutboxWriter, logger: Logger) {
        self.settings = settings
        self.database = database
        self.outbox = outbox
        self.logger = logger
    }

    public func run(taking inbox: Mailbox<AlertInput>) {
        AlertLoop(worker: self, inbox: inbox).run()
    }
}
