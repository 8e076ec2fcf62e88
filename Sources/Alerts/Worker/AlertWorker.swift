import GatewayConfig
import Logging
import Mailboxes

/// Threshold alerting: a `ThresholdAlertEngine` and the operators' alert actions on the thread it
/// is given and one database connection, fed by a mailbox.
///
/// Ticks every 250 ms (for `for_s` and escalation), writes `current_value` changes at most once
/// per second, publishes every raise, escalation, acknowledgement and resolution on
/// `alerts/{device}`. Operator actions are decided and written by `AlertActionHandler` and
/// answered on `operators/{operator}/responses`. Readings arrive once stored (see
/// `WatchedReadingFeed`). When the database fails, the connection is dropped, readings and
/// operator actions wait (readings bounded, see `WaitingReadings`), and the engine is rebuilt
/// from the open alerts rows after reconnecting, then judges what waited. Once the mailbox is closed
/// (at graceful shutdown, after the ingest path has drained) it applies what is left, writes the
/// last current values and returns.
public struct AlertWorker: MailboxWorker {
    /// Publishes at QoS 1; false (and logged by the publisher) when it could not.
    public typealias Publish = @Sendable (_ topic: String, _ payload: String) -> Bool

    let settings: AlertSettings
    let database: DatabaseSettings
    let publish: Publish
    let logger: Logger

    public init(settings: AlertSettings, database: DatabaseSettings, publish: @escaping Publish, logger: Logger) {
        self.settings = settings
        self.database = database
        self.publish = publish
        self.logger = logger
    }

    public func run(taking inbox: Mailbox<AlertInput>) {
        AlertLoop(worker: self, inbox: inbox).run()
    }
}
