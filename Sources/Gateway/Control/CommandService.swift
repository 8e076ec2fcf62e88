import Commands
import DeviceRegistry
import Foundation
import GatewayConfig
import Logging
import MQTT
import Postgres
import Presence
import ServiceLifecycle
import WallTime

/// Runs command delivery: the `CommandDispatcher` and the operator intake on one thread and one
/// database connection, a `mash_commands` listener on another, publishing through the MQTT
/// intake's client.
///
/// Pending rows are claimed when a notification arrives, when a device comes online (claimed for
/// that device at once, before presence has written `devices.status`), when the broker
/// connection comes back, and every `commands.poll_interval_s` (the safety net, which also runs
/// the dispatcher's sweep: expiry of unclaimed rows, adoption of orphans). Nothing is claimed
/// while the broker is unreachable, so commands stay `pending` instead of spending attempts. A
/// device publish that fails goes back to the dispatcher as `.publishFailed` (back to pending,
/// no retry spent). Inputs whose database work fails are kept, in order, and retried after a
/// reconnect. On graceful shutdown (after the intake and the ingest path have stopped, so every
/// ack that reached the ring is in the mailbox) it applies what is left and stops; commands in
/// flight stay `sent`/`acknowledged` in the database for the next start.
final class CommandService: Service, Sendable {
    private let settings: CommandSettings
    private let database: DatabaseSettings
    private let gate: Readiness
    private let inbox: Mailbox<CommandInput>
    private let devices: DeviceDirectory
    private let publisher: PublisherSlot
    private let logger: Logger

    /// Rows claimed per statement.
    static let claimLimit = 100
    /// How often the loop re-checks the broker connection when nothing else wakes it.
    static let idleCheck = Duration.milliseconds(200)

    init(
        settings: CommandSettings, database: DatabaseSettings, after gate: Readiness, inbox: Mailbox<CommandInput>,
        devices: DeviceDirectory, publisher: PublisherSlot, logger: Logger
    ) {
        self.settings = settings
        self.database = database
        self.gate = gate
        self.inbox = inbox
        self.devices = devices
        self.publisher = publisher
        self.logger = logger
    }

    func run() async throws {
        let listener = CommandListener(database: database, inbox: inbox, logger: logger)
        try await inbox.serve(after: gate, thread: "mash-commands") { [settings, database, inbox, devices, publisher, logger] in
            listener.start()
            CommandLoop(settings: settings, database: database, inbox: inbox, devices: devices, publisher: publisher, logger: logger).run()
            listener.stop()
        }
    }
}

/// The command thread's state; lives only on that thread.
private final class CommandLoop {
    let settings: CommandSettings
    let database: DatabaseSettings
    let inbox: Mailbox<CommandInput>
    let devices: DeviceDirectory
    let publisher: PublisherSlot
    let logger: Logger

    var dispatcher: CommandDispatcher?
    var intake: OperatorCommandIntake?
    /// Inputs taken from the mailbox but not yet handled (the database failed), oldest first.
    var backlog: [CommandInput] = []
    var claimWanted = true
    /// Devices that came online and whose pending commands are still to be claimed.
    var cameOnline: Set<UUID> = []
    var wasConnected = false
    var retryAt: ContinuousClock.Instant?
    var retryDelay = Duration.milliseconds(500)
    let clock = ContinuousClock()

    init(
        settings: CommandSettings, database: DatabaseSettings, inbox: Mailbox<CommandInput>, devices: DeviceDirectory,
        publisher: PublisherSlot, logger: Logger
    ) {
        self.settings = settings
        self.database = database
        self.inbox = inbox
        self.devices = devices
        self.publisher = publisher
        self.logger = logger
    }

    func run() {
        let poll = Duration.seconds(settings.pollIntervalSeconds)
        var nextPoll = clock.now + poll
        var taken: [CommandInput] = []
        while true {
            var wait = min(nextPoll - clock.now, CommandService.idleCheck)
            if let deadline = dispatcher?.nextDeadline {
                wait = min(wait, .microseconds(max(0, deadline.microseconds - WallInstant.now().microseconds)))
            }
            if let retryAt { wait = max(.zero, min(wait, retryAt - clock.now)) }
            inbox.takeAll(into: &taken, timeout: wait)
            backlog += taken
            let closed = inbox.isClosed
            if let retryAt, clock.now < retryAt {
                if closed { return abandon() }
                continue
            }
            do {
                try ensureConnected()
                try handleBacklog()
                if closed { return stopped() }
                let connected = publisher.client?.isConnected == true
                if connected && !wasConnected { claimWanted = true }
                wasConnected = connected
                if clock.now >= nextPoll {
                    try perform(dispatcher!.sweep(now: .now()))
                    claimWanted = true
                    nextPoll = clock.now + poll
                }
                if connected { try claim() }
                if let deadline = dispatcher!.nextDeadline, deadline <= .now() {
                    try perform(dispatcher!.fireDueTimers(now: .now()))
                }
                retryDelay = .milliseconds(500)
            } catch {
                failed(error)
                if closed { return abandon() }
            }
        }
    }

    // MARK: Database

    private func ensureConnected() throws {
        if let dispatcher {
            if !dispatcher.store.connection.isConnected {
                try dispatcher.store.connection.reconnect()
                // Another gateway may have changed our rows meanwhile: rebuild from the database.
                let fresh = CommandDispatcher(store: dispatcher.store, settings: settings, logger: logger)
                try fresh.loadActive()
                self.dispatcher = fresh
                claimWanted = true
            }
            return
        }
        let connection = try PostgresConnection.connect(
            database.url, applicationName: "mash-gateway commands", connectTimeoutSeconds: database.connectTimeoutSeconds)
        let store = CommandStore(connection: connection)
        let dispatcher = CommandDispatcher(store: store, settings: settings, logger: logger)
        let loaded = try dispatcher.loadActive()
        let devices = self.devices
        intake = OperatorCommandIntake(store: store, settings: settings, logger: logger) { key throws in
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

    private func failed(_ error: any Error) {
        logger.warning("command work failed; retrying", metadata: [
            "error": "\(error)", "retry_in_ms": "\(retryDelay.components.seconds * 1000 + retryDelay.components.attoseconds / 1_000_000_000_000_000)",
        ])
        if let connection = dispatcher?.store.connection, connection.isConnected {
            // A failed statement may have left the connection unusable; start over on a fresh one.
            connection.close()
        }
        retryAt = clock.now + retryDelay
        retryDelay = min(retryDelay * 2, .seconds(10))
    }

    // MARK: Inputs

    /// Handles the backlog in order; what throws stays in the backlog (from the failed input on).
    private func handleBacklog() throws {
        retryAt = nil
        var index = 0
        defer { backlog.removeFirst(index) }
        do {
            try handleBacklog(from: &index)
            headFailures = 0
        } catch {
            // The database answered but refused this input again and again: drop it rather than
            // block every later input behind it (a connection failure never gets here twice in a
            // row, since `ensureConnected` fails first).
            headFailures = index > 0 ? 1 : headFailures + 1
            if headFailures >= Self.maxHeadFailures, index < backlog.count {
                logger.error("dropping a command input that failed \(Self.maxHeadFailures) times", metadata: [
                    "input": "\(backlog[index])", "error": "\(error)",
                ])
                index += 1
                headFailures = 0
            }
            throw error
        }
    }

    private static let maxHeadFailures = 5
    private var headFailures = 0

    private func handleBacklog(from index: inout Int) throws {
        while index < backlog.count {
            switch backlog[index] {
            case .device, .presence:
                var events: [CommandEvent] = []
                var online: Set<UUID> = []
                var end = index
                while end < backlog.count {
                    if case .device(let event) = backlog[end] {
                        events.append(event)
                    } else if case .presence(let transitions) = backlog[end] {
                        for transition in transitions {
                            guard let id = UUID(uuidString: transition.deviceID.string) else { continue }
                            if transition.status == .online {
                                events.append(.deviceOnline(id))
                                online.insert(id)
                            } else {
                                events.append(.deviceOffline(id))
                                online.remove(id)
                            }
                        }
                    } else {
                        break
                    }
                    end += 1
                }
                try perform(dispatcher!.apply(events, now: .now()))
                cameOnline.formUnion(online)
                index = end
            case .operatorCommand(let operatorKey, let payload):
                let outcome = try intake!.handle(operatorKey: operatorKey, payload: payload, now: .now())
                try perform(outcome.effects)
                index += 1
            case .pendingNotified:
                claimWanted = true
                index += 1
            }
        }
    }

    /// Claims pending commands (for devices that just came online, then all online devices) and sends them.
    private func claim() throws {
        if !cameOnline.isEmpty {
            try claimAll(.only(cameOnline))
            cameOnline.removeAll()
        }
        if claimWanted {
            try claimAll(.databaseStatus)
            claimWanted = false
        }
    }

    private func claimAll(_ online: CommandStore.OnlineDevices) throws {
        while true {
            let effects = try dispatcher!.claimPending(limit: CommandService.claimLimit, online: online, now: .now())
            try perform(effects)
            let sends = effects.reduce(0) { count, effect in
                if case .publishToDevice = effect { count + 1 } else { count }
            }
            if sends < CommandService.claimLimit { return }
        }
    }

    // MARK: Effects

    /// Publishes the effects in order; failed device publishes go back to the dispatcher.
    private func perform(_ effects: [CommandEffect]) throws {
        var failures: [CommandEvent] = []
        for effect in effects {
            switch effect {
            case .publishToDevice(let topic, let payload, let id, let attempt):
                if publish(topic, payload) {
                    logger.info("command sent", metadata: ["command_id": "\(id)", "attempt": "\(attempt)", "topic": "\(topic)"])
                } else {
                    failures.append(.publishFailed(commandID: id))
                }
            case .publishToOperator(let topic, let payload):
                _ = publish(topic, payload)
            case .ignored:
                break
            }
        }
        if !failures.isEmpty {
            try perform(dispatcher!.apply(failures, now: .now()))
        }
    }

    /// QoS 1 through the intake's client; false when not connected or libmosquitto refused it.
    @discardableResult
    private func publish(_ topic: String, _ payload: String) -> Bool {
        guard let client = publisher.client, client.isConnected else {
            logger.warning("not published: not connected to the broker", metadata: ["topic": "\(topic)"])
            return false
        }
        do {
            _ = try client.publish(topic: topic, payload: payload, qos: .atLeastOnce)
            return true
        } catch {
            logger.warning("publish failed", metadata: ["topic": "\(topic)", "error": "\(error)"])
            return false
        }
    }

    // MARK: Stopping

    private func stopped() {
        dispatcher?.store.connection.close()
        logger.info("commands stopped", metadata: ["in_flight": "\(dispatcher?.inFlightCount ?? 0)"])
    }

    private func abandon() {
        if !backlog.isEmpty {
            logger.error("commands stopped without the database; inputs not applied (acks are re-read from the device's retry)", metadata: [
                "inputs": "\(backlog.count)",
            ])
        }
        stopped()
    }
}
