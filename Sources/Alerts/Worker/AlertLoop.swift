import Outbox
import Foundation
import GatewayConfig
import Logging
import Mailboxes
import Postgres
import WallTime

/// The alert thread's state and I/O; lives only on that thread. What is due when is
/// `AlertLoopTiming`'s decision; what an operator action does is `AlertActionHandler`'s.
final class AlertLoop {
    let worker: AlertWorker
    let inbox: Mailbox<AlertInput>
    var logger: Logger { worker.logger }

    var engine: ThresholdAlertEngine?
    var actions: AlertActionHandler?
    /// Operator actions not yet handled (the database failed), oldest first.
    var waitingActions: [(operatorKey: String, alertID: String, action: AlertAction, input: UInt64)] = []
    /// Inputs taken from the mailbox so far (an input's number is its place among them).
    var taken: UInt64 = 0
    /// Stored readings not yet judged (no database connection, or the last attempt failed), oldest first.
    var waitingReadings = WaitingReadings(limit: AlertLoop.maxWaitingReadings)
    /// Readings dropped from `waitingReadings` at its bound since the last log line.
    var droppedReadings = 0
    /// How many stored readings may wait for the alert connection; beyond it the oldest are dropped (logged, counted).
    static let maxWaitingReadings = 200_000
    let clock = ContinuousClock()
    var timing: AlertLoopTiming<ContinuousClock.Instant>

    init(worker: AlertWorker, inbox: Mailbox<AlertInput>) {
        self.worker = worker
        self.inbox = inbox
        self.timing = AlertLoopTiming(now: clock.now)
    }

    func run() {
        var inputs: [AlertInput] = []
        var nextCount = clock.now
        connect()
        while true {
            inbox.takeAll(into: &inputs, timeout: timing.wait(now: clock.now))
            let closed = inbox.isClosed
            if timing.connectDue(now: clock.now) { connect() }
            for input in inputs {
                taken += 1
                switch input {
                case .readings(let readings):
                    droppedReadings += waitingReadings.append(readings)
                case .action(let operatorKey, let alertID, let action):
                    waitingActions.append((operatorKey, alertID, action, taken - 1))
                }
            }
            judgeWaitingReadings()
            handleWaitingActions()
            // Everything before the oldest operator action still waiting is handled (readings are
            // already stored: they wait here, or are dropped with a count, without holding the ring).
            inbox.settle(through: waitingActions.first?.input ?? taken)
            if timing.tickDue(now: clock.now), let engine {
                attempt { try committing { try engine.tick(now: WallInstant.now().microseconds) } }
            }
            if timing.flushDue(now: clock.now, closed: closed) {
                if let engine { attempt { try engine.flushCurrentValues() } }
                if droppedReadings > 0 {
                    logger.error("stored readings not judged by alert rules: too many waited for the alert connection", metadata: [
                        "readings": "\(droppedReadings)", "bound": "\(Self.maxWaitingReadings)",
                    ])
                    droppedReadings = 0
                }
            }
            if clock.now >= nextCount, let engine {
                nextCount = clock.now + AlertMetrics.refreshInterval
                attempt { try AlertMetrics.shared.refreshOpen(on: engine.store.connection) }
            }
            if closed { return stopped() }
        }
    }

    // MARK: Database

    private func connect() {
        let settings = worker.settings
        do {
            let connection = try PostgresConnection.connect(
                worker.database.url, applicationName: "mash-gateway alerts", connectTimeoutSeconds: worker.database.connectTimeoutSeconds)
            let engine = ThresholdAlertEngine(store: AlertStore(connection: connection), settings: settings, logger: logger)
            let open = try engine.restore()
            self.engine = engine
            actions = AlertActionHandler(engine: engine, logger: logger)
            timing.connected()
            logger.info("alerts ready", metadata: ["open_threshold_alerts": "\(open)", "rules": "\(settings.rules.count)"])
        } catch {
            logger.warning("alerts cannot reach the database; retrying", metadata: ["error": "\(error)"])
            timing.failed(now: clock.now)
        }
    }

    /// Runs database work; a failure drops the connection and the engine (rebuilt at the next connect).
    private func attempt(_ body: () throws -> Void) {
        do {
            try body()
        } catch {
            logger.warning("alert work failed; reconnecting and rebuilding from the open alerts", metadata: ["error": "\(error)"])
            engine?.store.connection.close()
            engine = nil
            actions = nil
            timing.failed(now: clock.now)
        }
    }

    private func stopped() {
        if !waitingReadings.isEmpty {
            logger.error("alerts stopped without the database; stored readings not judged", metadata: ["readings": "\(waitingReadings.count)"])
        }
        if !waitingActions.isEmpty {
            logger.error("alerts stopped without the database; operator actions not applied", metadata: ["actions": "\(waitingActions.count)"])
        }
        engine?.store.connection.close()
        logger.info("alerts stopped", metadata: ["open_threshold_alerts": "\(engine?.openCount ?? 0)"])
    }

    // MARK: Readings

    /// Judges the waiting readings in order; a failure keeps the rest (and the failed message) for
    /// after the reconnect, where the engine, rebuilt from the open alerts, adopts what it had raised.
    private func judgeWaitingReadings() {
        while let engine, let first = waitingReadings.first {
            var done = false
            attempt {
                try committing { try engine.record(first, now: WallInstant.now().microseconds) }
                done = true
            }
            guard done else { return }
            waitingReadings.removeFirst()
        }
    }

    // MARK: Operator actions

    private func handleWaitingActions() {
        while let first = waitingActions.first, let actions {
            var done = false
            attempt {
                try committing(answered: {
                    let outcome = try actions.handle(
                        operatorKey: first.operatorKey, alertID: first.alertID, action: first.action, now: WallInstant.now().microseconds)
                    return (outcome.notices, [OutboxMessage(topic: outcome.responseTopic, payload: outcome.response)])
                })
                done = true
            }
            guard done else { return }
            waitingActions.removeFirst()
        }
    }

    // MARK: Publishing

    /// Runs `change` in one transaction with its alert events in the outbox, so an event is
    /// published (by the outbox publisher, QoS 1, in order) exactly when its change committed,
    /// broker up or not.
    private func committing(_ change: () throws -> [AlertNotice]) throws {
        try committing(answered: { (try change(), []) })
    }

    /// As above, with messages to publish after the events (an operator's response).
    private func committing(answered change: () throws -> (notices: [AlertNotice], after: [OutboxMessage])) throws {
        guard let connection = engine?.store.connection else { return }
        let notices = try connection.transaction {
            let (notices, after) = try change()
            try worker.outbox.enqueue(notices.map { OutboxMessage(topic: $0.topic, payload: $0.payload) } + after, on: connection)
            return notices
        }
        for notice in notices { AlertMetrics.shared.count(notice.event) }
        worker.outbox.committed()
    }
}
