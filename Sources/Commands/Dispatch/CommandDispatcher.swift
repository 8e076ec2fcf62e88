import Foundation
import GatewayConfig
import Logging
import Operators
import Outbox
import Postgres
import WallTime

/// The synchronous core of command delivery: state machines in memory, rows in PostgreSQL,
/// MQTT publishes returned as effects.
///
/// Driven from one thread (it owns the store's connection): the owner's loop calls
/// `claimPending` when `mash_commands` is notified, a device comes online, or the poll interval
/// passes; `apply` for acks, results, presence and publish failures; `fireDueTimers` when
/// `nextDeadline` is reached; `sweep` every poll interval. Every call persists its transitions
/// *before* returning effects, so what the owner publishes is already in the database: a crash
/// can cost a retry, never a command or a state change. The operator answers those transitions
/// cause (`publishToOperator` effects) are written to `gateway_outbox` in the same transaction, so
/// a crash never keeps a status change and loses its answer, or the reverse; the owner only wakes
/// the outbox publisher. After a thrown error nothing of the call is committed and the
/// dispatcher's memory is as before it; reconnect and call again.
///
/// Several gateways may run dispatchers on one database: claims are disjoint (SKIP LOCKED),
/// and every later change is conditional on the row's status and retry count, so each state
/// change is persisted, and reported to the operator, by exactly one gateway.
public final class CommandDispatcher {
    struct Tracked {
        var row: CommandRow
        var machine: CommandStateMachine
        /// What the database row holds, as far as this gateway knows (the condition of the next write).
        var persisted: CommandSnapshot
    }

    public let store: CommandStore
    public let ttl: Duration
    private let logger: Logger
    private var tracked: [UUID: Tracked] = [:]
    private var byDevice: [UUID: Set<UUID>] = [:]
    private var timers = CommandTimerQueue()

    public init(store: CommandStore, settings: CommandSettings, logger: Logger) {
        self.store = store
        self.ttl = .seconds(settings.ttlSeconds)
        self.logger = logger
    }

    /// Commands in memory (sent or acknowledged, each with an armed timer).
    public var inFlightCount: Int { tracked.count }

    /// The earliest timer; call `fireDueTimers` when it is reached. Nil when nothing is in flight.
    public var nextDeadline: WallInstant? { timers.nextDeadline }

    /// The machine of a command in flight (for tests and diagnostics).
    public func machine(for id: UUID) -> CommandStateMachine? { tracked[id]?.machine }

    // MARK: Entry points

    /// Rebuilds the in-flight commands from their rows after a (re)start: `sent` rows wait for
    /// their ack with the time left since `sent_at`, `acknowledged` rows for their result since
    /// `acknowledged_at`, and rows past `created_at + ttl` time out (`expired`) at the next
    /// `fireDueTimers`. `online` overrides the rows' `devices.status`. Returns how many were loaded.
    @discardableResult
    public func loadActive(online: CommandStore.OnlineDevices = .databaseStatus) throws(StoreError) -> Int {
        let rows = try store.loadActive()
        for row in rows { track(row, online: Self.isOnline(row, online)) }
        return rows.count
    }

    /// Claims and sends up to `limit` pending commands of online devices; returns the publishes (and
    /// `sent` responses) to perform.
    public func claimPending(limit: Int, online: CommandStore.OnlineDevices = .databaseStatus, now: WallInstant) throws(StoreError) -> [CommandEffect] {
        try atomically { () throws(StoreError) in
            let rows = try store.claimPending(limit: limit, online: online, ttl: ttl, now: now)
            var batch = Batch()
            for row in rows {
                // The claim already wrote `sent` at `now`; run the machine from the pre-claim state so
                // the effects (publish, timer) come from one place, and it agrees with the row.
                var before = row
                before.snapshot.status = .pending
                var machine = before.machine(ttl: ttl, deviceOnline: true)
                let action = machine.dispatch(at: now)
                let entry = Tracked(row: row, machine: machine, persisted: row.snapshot)
                insert(entry)
                batch.record(row.id, before: entry, action: action)
            }
            return try commit(batch, now: now)
        }
    }

    /// Applies device and presence events; returns the effects to perform.
    public func apply(_ events: [CommandEvent], now: WallInstant) throws(StoreError) -> [CommandEffect] {
        // Commands this gateway does not hold (acked through another gateway's subscription, or a
        // late ack of a re-queued command) are read from the database first.
        try atomically { () throws(StoreError) in try applyInTransaction(events, now: now) }
    }

    private func applyInTransaction(_ events: [CommandEvent], now: WallInstant) throws(StoreError) -> [CommandEffect] {
        let unknown = Set(events.compactMap(\.commandID)).filter { tracked[$0] == nil }
        var loaded: Set<UUID> = []
        if !unknown.isEmpty {
            for row in try store.load(ids: Array(unknown)) {
                loaded.insert(row.id)
                // A device that just answered is online, whatever `devices.status` says yet.
                track(row, online: true, arm: false)
            }
        }
        var batch = Batch()
        var effects: [CommandEffect] = []
        for event in events {
            switch event {
            case .deviceOnline(let device), .deviceOffline(let device):
                let online = if case .deviceOnline = event { true } else { false }
                for id in byDevice[device] ?? [] {
                    guard let entry = tracked[id] else { continue }
                    let action = mutate(id) { online ? $0.deviceCameOnline(at: now) : $0.deviceWentOffline(at: now) }
                    batch.record(id, before: entry, action: action)
                }
            case .acknowledged, .result, .publishFailed:
                let id = event.commandID!
                let device: UUID? = switch event {
                case .acknowledged(_, let device), .result(_, let device, _): device
                default: nil
                }
                guard let entry = tracked[id] else {
                    effects.append(ignore(id, "unknown command"))
                    continue
                }
                if let device, entry.row.deviceID != device {
                    effects.append(ignore(id, "event from device \(device.uuidString.lowercased()), not the command's device"))
                    continue
                }
                let action: CommandStateMachine.Action
                switch event {
                case .acknowledged:
                    action = mutate(id) { $0.acknowledged(at: now) }
                case .result(_, _, let payload):
                    guard let result = CommandResult(payload: payload) else {
                        effects.append(ignore(id, "malformed result payload"))
                        continue
                    }
                    batch.resultData[id] = result.dataJSON
                    action = mutate(id) { $0.resultReceived(succeeded: result.succeeded, error: result.error, at: now) }
                default:
                    action = mutate(id) { $0.publishFailed(at: now) }
                }
                batch.record(id, before: entry, action: action)
            }
        }
        // Loaded rows that no event changed (e.g. a late ack of a finished command) are not kept.
        for id in loaded where batch.before[id] == nil { untrack(id) }
        return try effects + commit(batch, now: now)
    }

    /// Fires every timer due at `now` (resends, ack/result timeouts, expiries); returns the effects.
    public func fireDueTimers(now: WallInstant) throws(StoreError) -> [CommandEffect] {
        try atomically { () throws(StoreError) in
            var batch = Batch()
            for (id, _) in timers.popDue(now: now) {
                guard let entry = tracked[id] else { continue }
                let action = mutate(id) { $0.timerFired(at: now) }
                batch.record(id, before: entry, action: action)
            }
            return try commit(batch, now: now)
        }
    }

    /// Housekeeping for the poll interval: times out pending commands past their TTL (nobody
    /// claimed them, usually because the device stayed offline) and adopts `sent`/`acknowledged`
    /// rows overdue by more than `grace` that no gateway is watching (their gateway died).
    public func sweep(now: WallInstant, grace: Duration = .seconds(10)) throws(StoreError) -> [CommandEffect] {
        try atomically { () throws(StoreError) in
            var effects: [CommandEffect] = []
            for row in try store.expirePending(ttl: ttl, now: now) {
                effects += responses(for: row, status: .timeout, error: row.snapshot.errorMessage)
            }
            for row in try store.loadOverdue(before: now - grace) where tracked[row.id] == nil {
                logger.notice("adopting an overdue command", metadata: ["command_id": "\(row.id)", "status": "\(row.snapshot.status)"])
                track(row, online: row.deviceOnline)
            }
            return effects
        }
    }

    // MARK: Transactions

    /// Runs `body` (the call's statements) and writes the operator answers among its effects to the
    /// outbox, in one transaction; on any failure rolls back and puts the memory back as it was.
    ///
    /// One transaction because a status change and its answer are one fact for the operator: written
    /// apart, a crash in between kept the change and lost the answer (nothing re-derives it later).
    private func atomically(_ body: () throws(StoreError) -> [CommandEffect]) throws(StoreError) -> [CommandEffect] {
        let saved = (tracked, byDevice, timers)
        do {
            return try store.connection.transaction {
                let effects = try body()
                try OutboxStore.enqueue(Self.operatorAnswers(in: effects), on: store.connection)
                return effects
            }
        } catch {
            (tracked, byDevice, timers) = saved
            if let error = error as? StoreError { throw error }
            throw StoreError(.database, store: "commands", operation: "transaction", message: "\(error)", underlying: error as? PostgresError)
        }
    }

    /// The outbox messages of the `publishToOperator` effects, in order.
    public static func operatorAnswers(in effects: [CommandEffect]) -> [OutboxMessage] {
        effects.compactMap { effect in
            if case .publishToOperator(let topic, let payload) = effect { OutboxMessage(topic: topic, payload: payload) } else { nil }
        }
    }

    // MARK: Batches

    /// The machines changed by one call: their state before it, and the actions in order.
    struct Batch {
        var order: [UUID] = []
        var before: [UUID: Tracked] = [:]
        var actions: [UUID: [CommandStateMachine.Action]] = [:]
        var resultData: [UUID: String] = [:]

        mutating func record(_ id: UUID, before entry: Tracked, action: CommandStateMachine.Action) {
            if before[id] == nil {
                order.append(id)
                before[id] = entry
            }
            actions[id, default: []].append(action)
        }
    }

    /// Persists the batch's transitions in one statement, then turns the winners' actions into effects.
    private func commit(_ batch: Batch, now: WallInstant) throws(StoreError) -> [CommandEffect] {
        var transitions: [CommandStore.Transition] = []
        for id in batch.order {
            guard let entry = tracked[id], entry.machine.snapshot != entry.persisted else { continue }
            transitions.append(.init(id: id, expected: entry.persisted, new: entry.machine.snapshot))
        }
        // A failure rolls back the call's transaction, and `atomically` puts the memory back.
        let written = try store.persist(transitions)
        let changed = Set(transitions.map(\.id))
        var effects: [CommandEffect] = []
        var conflicts: [UUID] = []
        for id in batch.order {
            guard var entry = tracked[id] else { continue }
            if changed.contains(id) && !written.contains(id) {
                conflicts.append(id)
                continue
            }
            entry.persisted = entry.machine.snapshot
            tracked[id] = entry
            for action in batch.actions[id] ?? [] {
                effects += self.effects(of: action, entry: entry, resultData: batch.resultData[id])
            }
            settle(id)
        }
        if !conflicts.isEmpty {
            for id in conflicts { untrack(id) }
            let rows = try store.load(ids: conflicts)
            for row in rows where !row.snapshot.status.isTerminal && row.snapshot.status != .pending {
                track(row, online: row.deviceOnline)
            }
            for id in conflicts { effects.append(ignore(id, "changed by another writer; reloaded")) }
        }
        return effects
    }

    private func effects(of action: CommandStateMachine.Action, entry: Tracked, resultData: String?) -> [CommandEffect] {
        let row = entry.row
        switch action {
        case .send(let attempt, _):
            var effects: [CommandEffect] = []
            if let key = row.publishKey {
                effects.append(.publishToDevice(
                    topic: CommandPayloads.deviceTopic(publishKey: key, commandID: row.id),
                    payload: CommandPayloads.devicePayload(
                        commandID: row.id, type: row.commandType, dataJSON: row.commandDataJSON,
                        attempt: attempt, timeoutSeconds: row.timeoutSeconds
                    ),
                    commandID: row.id, attempt: attempt
                ))
            }
            return effects + responses(for: row, status: .sent, error: nil, attempt: attempt)
        case .acknowledge:
            return responses(for: row, status: .acknowledged, error: nil)
        case .finish(let outcome, let acknowledgedNow):
            CommandMetrics.shared.finished(outcome.status)
            let ack = acknowledgedNow ? responses(for: row, status: .acknowledged, error: nil) : []
            return ack + responses(for: row, status: outcome.status, error: outcome.error, resultData: resultData)
        case .requeue:
            return responses(for: row, status: .pending, error: nil)
        case .ignored(let reason):
            return [ignore(row.id, reason)]
        case .scheduleTimeout, .none:
            return []
        }
    }

    /// The operator response for a status change of a command an operator asked for (none otherwise).
    private func responses(
        for row: CommandRow, status: CommandStatus, error: String?, attempt: Int? = nil, resultData: String? = nil
    ) -> [CommandEffect] {
        guard let origin = row.origin else { return [] }
        return [.publishToOperator(
            topic: OperatorResponse.topic(operatorKey: origin.operatorKey),
            payload: OperatorResponse.command(
                requestID: origin.requestID, commandID: row.id, device: origin.deviceKey ?? row.publishKey,
                status: status.rawValue, error: error, attempt: attempt, resultDataJSON: resultData
            )
        )]
    }

    private func ignore(_ id: UUID?, _ reason: String) -> CommandEffect {
        logger.info("command event ignored", metadata: ["command_id": "\(id.map { "\($0)" } ?? "-")", "reason": "\(reason)"])
        return .ignored(commandID: id, reason: reason)
    }

    // MARK: Tracking

    private static func isOnline(_ row: CommandRow, _ online: CommandStore.OnlineDevices) -> Bool {
        switch online {
        case .databaseStatus: row.deviceOnline
        case .only(let devices): row.deviceID.map(devices.contains) ?? false
        }
    }

    private func track(_ row: CommandRow, online: Bool, arm: Bool = true) {
        insert(Tracked(row: row, machine: row.machine(ttl: ttl, deviceOnline: online), persisted: row.snapshot))
        if arm { settle(row.id) }
    }

    private func insert(_ entry: Tracked) {
        tracked[entry.row.id] = entry
        if let device = entry.row.deviceID { byDevice[device, default: []].insert(entry.row.id) }
    }

    /// Re-arms the command's timer at its machine's deadline, or forgets it once finished or back to pending.
    private func settle(_ id: UUID) {
        guard let entry = tracked[id] else { return }
        let status = entry.machine.status
        if status.isTerminal || status == .pending {
            untrack(id)
        } else if let deadline = entry.machine.deadline {
            timers.arm(id, at: deadline)
        }
    }

    private func untrack(_ id: UUID) {
        guard let entry = tracked.removeValue(forKey: id) else { return }
        timers.disarm(id)
        if let device = entry.row.deviceID {
            byDevice[device]?.remove(id)
            if byDevice[device]?.isEmpty == true { byDevice[device] = nil }
        }
    }

    private func mutate(_ id: UUID, _ body: (inout CommandStateMachine) -> CommandStateMachine.Action) -> CommandStateMachine.Action {
        body(&tracked[id]!.machine)
    }
}
