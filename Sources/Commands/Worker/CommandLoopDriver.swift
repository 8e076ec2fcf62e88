import DeviceRegistry
import Foundation
import GatewayConfig
import Logging
import Mailboxes
import Outbox
import Postgres
import WallTime

/// Performs `CommandLoopMachine`'s actions with the real dispatcher, store, mailbox and publisher;
/// lives only on the command thread.
final class CommandLoopDriver {
    /// The loop's own timing (back-off, poll, waits) runs on the monotonic clock.
    typealias Machine = CommandLoopMachine<ContinuousClock.Instant>

    let settings: CommandSettings
    let database: DatabaseSettings
    let inbox: Mailbox<CommandInput>
    let devices: DeviceDirectory
    let publisher: CommandWorker.Publish
    let outbox: OutboxWriter
    let brokerConnected: @Sendable () -> Bool
    let logger: Logger

    var dispatcher: CommandDispatcher?
    var operatorCommands: OperatorCommandHandler?

    init(worker: CommandWorker, inbox: Mailbox<CommandInput>) {
        self.settings = worker.settings
        self.database = worker.database
        self.inbox = inbox
        self.devices = worker.devices
        self.publisher = worker.publish
        self.outbox = worker.outbox
        self.brokerConnected = worker.brokerConnected
        self.logger = worker.logger
    }

    func run() {
        let clock = ContinuousClock()
        var machine = Machine(pollInterval: .seconds(settings.pollIntervalSeconds), now: clock.now)
        var action = machine.start(now: clock.now)
        var taken: [CommandInput] = []
        var takenTotal: UInt64 = 0
        var nextCount = clock.now
        while true {
            // Inputs leave the backlog once applied (committed) or dropped (logged): those, from the
            // first, are settled, and their ring records may go.
            inbox.settle(through: takenTotal - UInt64(machine.backlog.count))
            switch action {
            case .wait(let until):
                if clock.now >= nextCount, let connection = dispatcher?.store.connection, connection.isConnected {
                    nextCount = clock.now + CommandMetrics.refreshInterval
                    // A failure here shows in the next database action, which backs off and reconnects.
                    try? CommandMetrics.shared.refreshUnfinished(on: connection)
                }
                inbox.takeAll(into: &taken, timeout: until - clock.now)
                takenTotal += UInt64(taken.count)
                action = machine.took(taken, closed: inbox.isClosed, brokerConnected: brokerConnected(), now: clock.now)
                continue
            case .claim(let online, let limit):
                do {
                    let effects = try dispatcher!.claimPending(limit: limit, online: online, now: .now())
                    try perform(effects)
                    let sends = effects.reduce(0) { count, effect in
                        if case .publishToDevice = effect { count + 1 } else { count }
                    }
                    action = machine.claimed(sends: sends, now: clock.now, timerDeadline: timerDeadline(clock))
                } catch {
                    action = machine.failed("\(error)", now: clock.now)
                }
                continue
            case .drop(let input, let error):
                logger.error("dropping a command input that failed \(Machine.maxHeadFailures) times", metadata: [
                    "input": "\(input)", "error": "\(error)",
                ])
            case .backOff(let delay, let error):
                logger.warning("command work failed; retrying", metadata: [
                    "error": "\(error)", "retry_in_ms": "\(delay.components.seconds * 1000 + delay.components.attoseconds / 1_000_000_000_000_000)",
                ])
                if let connection = dispatcher?.store.connection, connection.isConnected {
                    // A failed statement may have left the connection unusable; start over on a fresh one.
                    connection.close()
                }
            case .stop:
                return stopped()
            case .abandon(let unapplied):
                if unapplied > 0 {
                    logger.error("commands stopped without the database; inputs not applied (acks are re-read from the device's retry)", metadata: [
                        "inputs": "\(unapplied)",
                    ])
                }
                return stopped()
            case .connect, .reconnect, .apply, .handleOperatorCommand, .sweep, .fireDueTimers:
                do {
                    try performDatabaseWork(action)
                } catch {
                    action = machine.failed("\(error)", now: clock.now)
                    continue
                }
            }
            action = machine.done(now: clock.now, timerDeadline: timerDeadline(clock))
        }
    }

    /// The dispatcher's earliest timer (a wall-clock instant, since deadlines live in the rows) on the loop's clock.
    private func timerDeadline(_ clock: ContinuousClock) -> ContinuousClock.Instant? {
        dispatcher?.nextDeadline.map { clock.now.advanced(by: WallInstant.now().duration(to: $0)) }
    }

    private func performDatabaseWork(_ action: Machine.Action) throws {
        switch action {
        case .connect:
            try connect()
        case .reconnect:
            let store = dispatcher!.store
            try store.connection.reconnect()
            // Another gateway may have changed our rows meanwhile: rebuild from the database.
            let fresh = CommandDispatcher(store: store, settings: settings, logger: logger)
            try fresh.loadActive()
            dispatcher = fresh
        case .apply(let events):
            try perform(dispatcher!.apply(events, now: .now()))
        case .handleOperatorCommand(let operatorKey, let payload):
            // The command, its audit row and the operator's answer commit together: a crash before
            // the commit leaves nothing of the request (its ring record is read again, and a
            // request without `request_id` makes one command, not two); after it, the answer is in
            // the outbox and is published once, whenever the broker takes it.
            let connection = dispatcher!.store.connection
            let effects = try connection.transaction {
                let effects = try operatorCommands!.handle(operatorKey: operatorKey, payload: payload, now: .now()).effects
                try outbox.enqueue(CommandDispatcher.operatorAnswers(in: effects), on: connection)
                return effects
            }
            try perform(effects)
        case .sweep:
            try perform(dispatcher!.sweep(now: .now()))
        case .fireDueTimers:
            try perform(dispatcher!.fireDueTimers(now: .now()))
        default:
            preconditionFailure("not database work: \(action)")
        }
    }

    private func connect() throws {
        let connection = try PostgresConnection.connect(
            database.url, applicationName: "mash-gateway commands", connectTimeoutSeconds: database.connectTimeoutSeconds)
        let store = CommandStore(connection: connection)
        let dispatcher = CommandDispatcher(store: store, settings: settings, logger: logger)
        let loaded = try dispatcher.loadActive()
        let devices = self.devices
        operatorCommands = OperatorCommandHandler(store: store, settings: settings, logger: logger) { key throws in
            switch devices.lookup(key[...]) {
            case .found(let record):
                guard let id = UUID(uuidString: record.idString) else { return nil }
                return ResolvedDevice(id: id, ownerID: record.ownerID.flatMap(UUID.init(uuidString:)), publishKey: record.publishKey)
            case .unknown:
                return nil
            case .unavailable(let error):
                throw StoreError(.database, store: "commands", operation: "resolve device", message: "\(error)")
            }
        }
        self.dispatcher = dispatcher
        logger.info("commands ready", metadata: ["in_flight": "\(loaded)"])
    }

    // MARK: Effects

    /// Publishes the effects in order; failed device publishes go back to the dispatcher.
    ///
    /// Operator responses are already in the outbox, committed with the change that caused them
    /// (by the dispatcher, or with an operator's request above) before the input counts as applied,
    /// so its ring record is released only after its response is stored; here the publisher is
    /// only woken.
    private func perform(_ effects: [CommandEffect]) throws {
        var failures: [CommandEvent] = []
        var answered = false
        for effect in effects {
            switch effect {
            case .publishToDevice(let topic, let payload, let id, let attempt):
                if publisher(topic, payload) {
                    CommandMetrics.shared.sent(attempt: attempt)
                    logger.info("command sent", metadata: ["command_id": "\(id)", "attempt": "\(attempt)", "topic": "\(topic)"])
                } else {
                    CommandMetrics.shared.publishFailed()
                    failures.append(.publishFailed(commandID: id))
                }
            case .publishToOperator:
                answered = true
            case .ignored:
                break
            }
        }
        if answered { outbox.committed() }
        if !failures.isEmpty {
            try perform(dispatcher!.apply(failures, now: .now()))
        }
    }

    private func stopped() {
        dispatcher?.store.connection.close()
        logger.info("commands stopped", metadata: ["in_flight": "\(dispatcher?.inFlightCount ?? 0)"])
    }
}
