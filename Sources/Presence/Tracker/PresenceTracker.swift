import GatewayConfig
import Logging
import Metrics
import Postgres
import WallTime

/// Presence for the daemon: the machine, the id directory and the store, driven from one task.
///
/// `record` is called for every device message (cheap: no I/O, no allocation unless the status
/// changes), `sweep` on the sweep interval, `flush` on the flush interval and once more at
/// shutdown (`flushAll`). All database work happens in `flush`: one statement per 2,000 changed
/// devices, plus one per kind of alert change, in one transaction when there is more than one. A flush that
/// fails keeps everything for the next one. Not thread-safe: one caller at a time.
public final class PresenceTracker: @unchecked Sendable {
    public private(set) var machine: PresenceMachine
    public private(set) var directory: PresenceDirectory
    public let store: PresenceStore
    public let settings: PresenceSettings
    /// Every tracked device's stored counters are rewritten at least this often, changed or not.
    public let refreshInterval: Duration
    /// Devices per write statement. A flush after a burst (a fleet's retained `online` at subscribe,
    /// `flushAll` at shutdown) may cover every device; as one statement, 100,000 rows cost ≈ 50 MB
    /// at once (the rows, their text arrays, libpq's copies of the parameters and of the query),
    /// which the allocator then keeps resident. In chunks, inside one transaction, the flush stays
    /// all-or-nothing and its memory stays a few MB.
    public let writeChunk: Int
    private let logger: Logger
    private var pendingAlerts: [OfflineAlertChange] = []
    /// Runs inside the flush's transaction with the alert events it made (the worker puts them in
    /// the outbox there, so an event commits exactly with its alert row); nil: returned only.
    public var enqueueNotices: (([PresenceAlertNotice]) throws -> Void)?
    /// Devices first heard of after start whose stored rows are still to be read.
    private var pendingLoad: [PresenceDevice] = []
    private var lastFlush: WallInstant
    /// Device-microseconds of refresh owed (devices × elapsed time), so slices add up exactly to every device per interval.
    private var refreshOwed: Int64 = 0

    private let wentOnline = Counter(label: "mash_presence_transitions_total", dimensions: [("status", "online")])
    private let wentOffline = Counter(label: "mash_presence_transitions_total", dimensions: [("status", "offline")])
    private let overtakenWills = Counter(label: "mash_presence_overtaken_wills_total")
    private let onlineGauge = Gauge(label: "mash_presence_devices_online")

    /// Loads every device's presence (and open `device_offline` alerts) and starts tracking at `startedAt`.
    public init(
        store: PresenceStore, settings: PresenceSettings, logger: Logger,
        startedAt: WallInstant = .now(), refreshInterval: Duration = .seconds(60), writeChunk: Int = 2_000
    ) throws(PostgresError) {
        precondition(writeChunk > 0, "writeChunk must be positive")
        self.writeChunk = writeChunk
        self.store = store
        self.settings = settings
        self.logger = logger
        self.refreshInterval = refreshInterval
        self.lastFlush = startedAt
        var machine = PresenceMachine(defaultOfflineAfter: .seconds(settings.offlineAfterSeconds), startedAt: startedAt)
        var directory = PresenceDirectory()
        var cleanUp: [(PresenceDeviceID, PresenceAction)] = []
        try store.loadAll { stored in
            if let invalid = stored.invalidOfflineAfter {
                logger.warning(
                    "devices.configuration.offline_after_s is not a number of seconds in 1...2592000; using presence.offline_after_s",
                    metadata: ["device": "\(stored.id)", "value": "\(invalid)"]
                )
            }
            let (device, actions) = machine.restore(stored.state)
            directory.insert(stored.id, as: device)
            cleanUp += actions.map { (stored.id, $0) }
        }
        self.machine = machine
        self.directory = directory
        _ = apply(cleanUp.map(\.1))
        logger.info(
            "presence restored",
            metadata: ["devices": "\(machine.count)", "online": "\(machine.onlineCount)", "alerts_to_resolve": "\(cleanUp.count)"]
        )
    }

    // MARK: Events

    /// Feeds one message seen from a device at `at` (the gateway's receive time). Unknown ids are
    /// tracked at once and their stored row is read at the next flush.
    @discardableResult
    public func record(_ event: PresenceEvent, device id: PresenceDeviceID, at: WallInstant) -> [PresenceTransition] {
        let device = directory.device(for: id) ?? added(id, at: at)
        let actions: [PresenceAction]
        switch event {
        case .message: actions = machine.messageSeen(device, at: at)
        case .heartbeat(let firmware): actions = machine.heartbeat(device, at: at, firmware: firmware)
        case .statusOnline(let retained): actions = machine.statusOnline(device, at: at, retained: retained)
        case .statusOffline(let retained): actions = machine.statusOffline(device, at: at, retained: retained)
        }
        return actions.isEmpty ? [] : apply(actions)
    }

    /// As `record(_:device:at:)` with the id as text; an id that is not a UUID is ignored.
    @discardableResult
    public func record(_ event: PresenceEvent, device id: String, at: WallInstant) -> [PresenceTransition] {
        guard let parsed = PresenceDeviceID(id) else {
            logger.debug("presence: ignoring a device id that is not a UUID", metadata: ["device": "\(id)"])
            return []
        }
        return record(event, device: parsed, at: at)
    }

    /// Marks offline every device silent for longer than its limit (also done at the start of `flush`).
    @discardableResult
    public func sweep(now: WallInstant) -> [PresenceTransition] {
        let actions = machine.sweep(now: now)
        return actions.isEmpty ? [] : apply(actions)
    }

    /// Adopts sightings other gateways recorded, before a sweep could call a device silent.
    ///
    /// With several gateways in one `mqtt.shared_group`, each receives only part of a device's
    /// messages; the others' sightings reach this one through `devices.last_seen` (written with
    /// GREATEST, so it never goes back). For the devices whose silence deadline falls within
    /// `lookahead`, a newer stored `last_seen` counts as a message seen then. Checked ahead of the
    /// deadline, because an event dated after a passed deadline would first apply the offline.
    @discardableResult
    public func adoptSharedSightings(now: WallInstant, lookahead: Duration) throws(PostgresError) -> [PresenceTransition] {
        let due = machine.devices(dueBefore: now + lookahead)
        guard !due.isEmpty else { return [] }
        if !store.connection.isConnected { try store.connection.reconnect() }
        var transitions: [PresenceTransition] = []
        for (id, seen) in try store.lastSeen(ids: due.map { directory.id(of: $0) }) {
            guard let device = directory.device(for: id), seen <= now,
                  let known = machine.lastSeen(of: device), seen > known else { continue }
            transitions += record(.message, device: id, at: seen)
        }
        return transitions
    }

    /// Applies a changed `configuration.offline_after_s` (nil: back to the default).
    public func setOfflineAfter(device id: PresenceDeviceID, seconds: Int?) {
        guard let device = directory.device(for: id) else { return }
        machine.setOfflineAfter(device, seconds: seconds)
    }

    public func status(of id: PresenceDeviceID) -> PresenceStatus? {
        directory.device(for: id).map { machine.status(of: $0) }
    }

    public func counters(of id: PresenceDeviceID, at now: WallInstant) -> (uptime: Duration, downtime: Duration)? {
        directory.device(for: id).map { machine.counters(of: $0, at: now) }
    }

    // MARK: Writing

    /// Sweeps, then writes every changed device (plus a slice of the others, so all are rewritten
    /// within `refreshInterval`) and the pending alert changes: one statement per `writeChunk`
    /// devices, in one transaction when there is more than one statement.
    public func flush(now: WallInstant) throws(PostgresError) -> PresenceFlushResult {
        let elapsed = max(0, now.microseconds - lastFlush.microseconds)
        let interval = max(1, refreshInterval.wholeMicroseconds)
        let count = Int64(machine.count)
        refreshOwed = min(refreshOwed + count * min(elapsed, interval), count * interval)
        let slice = Int(refreshOwed / interval)
        refreshOwed -= Int64(slice) * interval
        return try write(now: now, refreshing: slice)
    }

    /// Writes every tracked device (shutdown): the stored counters are then exact up to `now`.
    public func flushAll(now: WallInstant) throws(PostgresError) -> PresenceFlushResult {
        try write(now: now, refreshing: machine.count)
    }

    private func write(now: WallInstant, refreshing: Int) throws(PostgresError) -> PresenceFlushResult {
        let statementsBefore = store.statementsExecuted
        if !store.connection.isConnected { try store.connection.reconnect() }
        try loadPending()
        let transitions = sweep(now: now)
        let rows = machine.takeChanges(now: now, refreshing: refreshing)
        let alerts = pendingAlerts.filter { change in
            directory.device(for: change.deviceID).map { !machine.isIgnored($0) } ?? false
        }
        var notices: [PresenceAlertNotice] = []
        do {
            if alerts.isEmpty && rows.count <= writeChunk {
                try store.write(identified(rows[...]))
            } else {
                notices = try store.transaction {
                    for start in stride(from: 0, to: rows.count, by: writeChunk) {
                        try store.write(identified(rows[start..<min(start + writeChunk, rows.count)]))
                    }
                    let notices = try applyAlertChanges(alerts)
                    // The outbox rows in chunks too: one statement's text arrays for a whole fleet's events were as large as the alerts'.
                    for start in stride(from: 0, to: notices.count, by: writeChunk) {
                        try enqueueNotices?(Array(notices[start..<min(start + writeChunk, notices.count)]))
                    }
                    return notices
                }
            }
        } catch {
            machine.requeue(rows)
            throw error as? PostgresError ?? PostgresError(.queryFailed, message: "\(error)", operation: "presence flush")
        }
        pendingAlerts.removeAll(keepingCapacity: true)
        lastFlush = now
        onlineGauge.record(machine.onlineCount)
        for notice in notices {
            logger.info(
                "device_offline alert \(notice.event.rawValue)",
                metadata: ["device": "\(notice.deviceID)", "alert_id": "\(notice.alertID)"]
            )
        }
        return PresenceFlushResult(
            rowsWritten: rows.count, statements: store.statementsExecuted - statementsBefore,
            alerts: notices, transitions: transitions
        )
    }

    private func identified(_ rows: ArraySlice<PresenceRow>) -> [(id: PresenceDeviceID, row: PresenceRow)] {
        rows.map { (id: directory.id(of: $0.device), row: $0) }
    }

    /// Runs alert changes in rounds: round k holds each device's k-th change, so one statement per
    /// kind per round keeps every device's raise/resolve order (a device that came back and went
    /// away again within one flush is resolved, then raised again). Usually one round.
    ///
    /// A round is sent `writeChunk` devices at a time, like the device rows: when a whole fleet goes
    /// silent at once (a broker restart, a network cut), one statement for 100,000 alerts held its
    /// parameters, libpq's result and every returned row as text at the same time (≈ 15 MiB).
    private func applyAlertChanges(_ changes: [OfflineAlertChange]) throws -> [PresenceAlertNotice] {
        var rounds: [[OfflineAlertChange]] = []
        var seen: [PresenceDeviceID: Int] = [:]
        for change in changes {
            let round = seen[change.deviceID, default: 0]
            seen[change.deviceID] = round + 1
            if round == rounds.count { rounds.append([]) }
            rounds[round].append(change)
        }
        var notices: [PresenceAlertNotice] = []
        for round in rounds {
            // Each device is in a round at most once, so chunks of a round keep every device's order.
            for start in stride(from: 0, to: round.count, by: writeChunk) {
                let chunk = Array(round[start..<min(start + writeChunk, round.count)])
                notices += try store.resolveOfflineAlerts(chunk)
                notices += try store.raiseOfflineAlerts(chunk, severity: settings.offlineAlertSeverity)
            }
        }
        return notices
    }

    /// Reads the stored rows of devices first heard of since start; devices without one are ignored from now on.
    private func loadPending() throws(PostgresError) {
        guard !pendingLoad.isEmpty else { return }
        let ids = pendingLoad.map { directory.id(of: $0) }
        let stored = try store.load(ids: ids)
        var byID: [PresenceDeviceID: StoredPresence] = [:]
        for row in stored { byID[row.id] = row }
        var actions: [PresenceAction] = []
        for device in pendingLoad {
            let id = directory.id(of: device)
            if let row = byID[id] {
                actions += machine.merge(device, stored: row.state)
            } else {
                logger.debug("presence: no devices row for a device id; not tracked", metadata: ["device": "\(id)"])
                machine.ignore(device)
            }
        }
        pendingLoad.removeAll()
        _ = apply(actions)
    }

    private func added(_ id: PresenceDeviceID, at: WallInstant) -> PresenceDevice {
        let device = machine.add(at: at)
        directory.insert(id, as: device)
        pendingLoad.append(device)
        return device
    }

    /// Turns the machine's actions into queued alert changes, transitions, logs and metrics.
    private func apply(_ actions: [PresenceAction]) -> [PresenceTransition] {
        var transitions: [PresenceTransition] = []
        for action in actions {
            switch action {
            case .markOnline(let device, let at):
                wentOnline.increment()
                let id = directory.id(of: device)
                logger.info("device online", metadata: ["device": "\(id)"])
                transitions.append(PresenceTransition(deviceID: id, status: .online, at: at))
            case .markOffline(let device, let at, let reason):
                wentOffline.increment()
                let id = directory.id(of: device)
                logger.info("device offline", metadata: ["device": "\(id)", "reason": "\(reason.rawValue)", "since": "\(at)"])
                transitions.append(PresenceTransition(deviceID: id, status: .offline, at: at, reason: reason))
            case .raiseOfflineAlert(let device, let at, let reason):
                let limit = Int(machine.offlineAfter(of: device).components.seconds)
                pendingAlerts.append(OfflineAlertChange(
                    deviceID: directory.id(of: device), kind: .raise(reason: reason, offlineAfterSeconds: limit), at: at
                ))
            case .resolveOfflineAlert(let device, let at):
                pendingAlerts.append(OfflineAlertChange(deviceID: directory.id(of: device), kind: .resolve, at: at))
            case .willOvertaken(let device, _):
                overtakenWills.increment()
                logger.info(
                    "ignored an offline status overtaken by a reconnect (stale will)",
                    metadata: ["device": "\(directory.id(of: device))"]
                )
            }
        }
        return transitions
    }
}
