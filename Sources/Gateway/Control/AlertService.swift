import Alerts
import Commands
import DeviceRegistry
import Foundation
import GatewayConfig
import Ingest
import Logging
import MQTT
import Postgres
import ServiceLifecycle

/// Runs threshold alerting: a `ThresholdAlertEngine` and the operators' alert actions on one
/// thread and one database connection, fed by the control router's mailbox.
///
/// Ticks every 250 ms (for `for_s` and escalation), writes `current_value` changes at most once
/// per second, publishes every raise, escalation, acknowledgement and resolution on
/// `alerts/{device}`. Operator actions are authorised with the command path's rules
/// (`OperatorAuthorization`, `CommandStore.operatorUser`) and answered on
/// `operators/{operator}/responses`. When the database fails, the connection is dropped, readings
/// meanwhile are not evaluated (counted in the log), operator actions wait, and the engine is
/// rebuilt from the open alerts rows after reconnecting. On graceful shutdown (after the ingest
/// path has drained) it applies what is left, writes the last current values and stops.
final class AlertService: Service, Sendable {
    private let settings: AlertSettings
    private let database: DatabaseSettings
    private let gate: Readiness
    private let inbox: Mailbox<AlertInput>
    private let publisher: PublisherSlot
    private let logger: Logger

    static let tickInterval = Duration.milliseconds(250)
    static let currentValueInterval = Duration.seconds(1)

    init(settings: AlertSettings, database: DatabaseSettings, after gate: Readiness, inbox: Mailbox<AlertInput>,
         publisher: PublisherSlot, logger: Logger) {
        self.settings = settings
        self.database = database
        self.gate = gate
        self.inbox = inbox
        self.publisher = publisher
        self.logger = logger
    }

    func run() async throws {
        try await inbox.serve(after: gate, thread: "mash-alerts") { [settings, database, inbox, publisher, logger] in
            AlertLoop(settings: settings, database: database, inbox: inbox, publisher: publisher, logger: logger).run()
        }
    }
}

/// The alert thread's state; lives only on that thread.
private final class AlertLoop {
    let settings: AlertSettings
    let database: DatabaseSettings
    let inbox: Mailbox<AlertInput>
    let publisher: PublisherSlot
    let logger: Logger

    var engine: ThresholdAlertEngine?
    var operators: CommandStore?
    /// Operator actions not yet handled (the database failed), oldest first.
    var waitingActions: [(operatorKey: String, alertID: String, action: AlertAction)] = []
    var droppedReadings = 0
    var retryAt: ContinuousClock.Instant?
    var retryDelay = Duration.milliseconds(500)
    let clock = ContinuousClock()

    init(settings: AlertSettings, database: DatabaseSettings, inbox: Mailbox<AlertInput>, publisher: PublisherSlot, logger: Logger) {
        self.settings = settings
        self.database = database
        self.inbox = inbox
        self.publisher = publisher
        self.logger = logger
    }

    func run() {
        var nextTick = clock.now + AlertService.tickInterval
        var nextFlush = clock.now + AlertService.currentValueInterval
        var taken: [AlertInput] = []
        connect()
        while true {
            inbox.takeAll(into: &taken, timeout: max(.zero, min(nextTick, nextFlush) - clock.now))
            let closed = inbox.isClosed
            if engine == nil, retryAt.map({ clock.now >= $0 }) ?? true { connect() }
            for input in taken {
                switch input {
                case .readings(let readings):
                    guard let engine else {
                        droppedReadings += readings.count
                        continue
                    }
                    attempt { try publish(engine.record(readings)) }
                case .action(let operatorKey, let alertID, let action):
                    waitingActions.append((operatorKey, alertID, action))
                }
            }
            handleWaitingActions()
            if clock.now >= nextTick {
                nextTick = clock.now + AlertService.tickInterval
                if let engine { attempt { try publish(engine.tick(now: RingRecorder.nowMicros())) } }
            }
            if clock.now >= nextFlush || closed {
                nextFlush = clock.now + AlertService.currentValueInterval
                if let engine { attempt { try engine.flushCurrentValues() } }
                if droppedReadings > 0 {
                    logger.warning("readings not evaluated for alerts: no database", metadata: ["readings": "\(droppedReadings)"])
                    droppedReadings = 0
                }
            }
            if closed { return stopped() }
        }
    }

    // MARK: Database

    private func connect() {
        do {
            let connection = try PostgresConnection.connect(
                database.url, applicationName: "mash-gateway alerts", connectTimeoutSeconds: database.connectTimeoutSeconds)
            let engine = ThresholdAlertEngine(store: AlertStore(connection: connection), settings: settings, logger: logger)
            let open = try engine.restore()
            self.engine = engine
            operators = CommandStore(connection: connection)
            retryAt = nil
            retryDelay = .milliseconds(500)
            logger.info("alerts ready", metadata: ["open_threshold_alerts": "\(open)", "rules": "\(settings.rules.count)"])
        } catch {
            logger.warning("alerts cannot reach the database; retrying", metadata: ["error": "\(error)"])
            retryAt = clock.now + retryDelay
            retryDelay = min(retryDelay * 2, .seconds(10))
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
            operators = nil
            retryAt = clock.now + retryDelay
            retryDelay = min(retryDelay * 2, .seconds(10))
        }
    }

    private func stopped() {
        if !waitingActions.isEmpty {
            logger.error("alerts stopped without the database; operator actions not applied", metadata: ["actions": "\(waitingActions.count)"])
        }
        engine?.store.connection.close()
        logger.info("alerts stopped", metadata: ["open_threshold_alerts": "\(engine?.openCount ?? 0)"])
    }

    // MARK: Operator actions

    private func handleWaitingActions() {
        while let first = waitingActions.first, let engine, let operators {
            var done = false
            attempt {
                try handle(first.operatorKey, first.alertID, first.action, engine: engine, operators: operators)
                done = true
            }
            guard done else { return }
            waitingActions.removeFirst()
        }
    }

    private func handle(_ operatorKey: String, _ alertID: String, _ action: AlertAction, engine: ThresholdAlertEngine,
                        operators: CommandStore) throws {
        func answer(_ status: String, _ device: String?, _ error: String?) {
            if let error {
                logger.notice("operator alert action rejected", metadata: [
                    "operator": "\(operatorKey)", "alert_id": "\(alertID)", "action": "\(action.rawValue)", "reason": "\(error)",
                ])
            }
            send(CommandPayloads.operatorTopic(operatorKey: operatorKey),
                 AlertMessage.response(alertID: alertID, action: action.rawValue, device: device, status: status, error: error))
        }
        guard let id = UUID(uuidString: alertID), let target = try engine.store.target(alertID: id) else {
            return answer("rejected", nil, "unknown alert")
        }
        let user = try operators.operatorUser(key: operatorKey)
        let device = ResolvedDevice(id: target.deviceID ?? UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)), ownerID: target.ownerID, publishKey: target.publishKey ?? "")
        if let reason = OperatorAuthorization.refusal(user: user, device: device, action: "handle the alerts of") {
            return answer("rejected", target.publishKey, reason)
        }
        guard let user else { return answer("rejected", target.publishKey, "unknown operator") }
        let now = RingRecorder.nowMicros()
        let changed: Bool
        let event: AlertNotice.Event
        switch action {
        case .acknowledge:
            if target.resolved { return answer("rejected", target.publishKey, "alert is already resolved") }
            if target.acknowledged { return answer("acknowledged", target.publishKey, nil) }
            changed = try engine.store.acknowledge(alertID: target.id, by: user.id, at: now)
            if changed { engine.operatorAcknowledged(alertID: target.id) }
            event = .acknowledged
        case .resolve:
            if target.resolved { return answer("rejected", target.publishKey, "alert is already resolved") }
            changed = try engine.store.resolve(alertID: target.id, by: user.id, at: now)
            if changed { engine.operatorResolved(alertID: target.id) }
            event = .resolved
        }
        guard changed else {
            // Someone else acted between the read and the write: answer from the row as it is now.
            return answer("rejected", target.publishKey, "alert changed meanwhile; try again")
        }
        try operators.insertAudit(
            userID: user.id, entityType: "alert", entityID: id, action: action == .acknowledge ? "alert.acknowledge" : "alert.resolve",
            newValuesJSON: "{}", extra: ["operator": operatorKey], requestID: nil, now: CommandInstant(microseconds: now))
        logger.info("operator alert action applied", metadata: [
            "operator": "\(operatorKey)", "alert_id": "\(alertID)", "action": "\(action.rawValue)",
        ])
        answer(event == .acknowledged ? "acknowledged" : "resolved", target.publishKey, nil)
        if let key = target.publishKey {
            publish([AlertNotice(event: event, alertID: target.id, deviceKey: key, alertType: target.alertType, severity: target.severity,
                                 escalationLevel: target.escalationLevel, title: target.title, currentValue: target.currentValue)])
        }
    }

    // MARK: Publishing

    private func publish(_ notices: [AlertNotice]) {
        for notice in notices {
            send(AlertMessage.topic(deviceKey: notice.deviceKey), AlertMessage.payload(notice))
        }
    }

    /// QoS 1 through the intake's client; the alert is stored either way.
    private func send(_ topic: String, _ payload: String) {
        guard let client = publisher.client, client.isConnected else {
            logger.warning("not published: not connected to the broker", metadata: ["topic": "\(topic)"])
            return
        }
        do {
            _ = try client.publish(topic: topic, payload: payload, qos: .atLeastOnce)
        } catch {
            logger.warning("publish failed", metadata: ["topic": "\(topic)", "error": "\(error)"])
        }
    }
}
