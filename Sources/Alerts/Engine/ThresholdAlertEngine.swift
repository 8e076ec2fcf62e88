import DeviceRegistry
import Foundation
import GatewayConfig
import Logging
import Metrics
import Postgres

/// Runs one `ThresholdRuleMachine` per device and rule and performs their actions against the `AlertStore`.
///
/// The single place where threshold actions become I/O. Readings and ticks are applied in order on
/// one thread; `current_value` changes are collected and written at most once per
/// `flushCurrentValues` call (the service calls it every second), never per reading. State is
/// rebuilt from the open alerts rows (`restore`), so a restart raises nothing twice; the unique
/// index covers what memory cannot (another instance, a lost connection). Not thread-safe.
public final class ThresholdAlertEngine {
    public let store: AlertStore
    private let configured: [AlertRule]
    private let escalation: ThresholdRuleMachine.Escalation
    private let logger: Logger

    struct Key: Hashable {
        var device: PackedUUID
        var rule: String
    }

    struct Entry {
        var machine: ThresholdRuleMachine
        var alertID: String?
        var deviceKey: String
        var deviceName: String
        var severity: String
        var title: String
        /// The open alert's escalation level (for the `resolved` notice, after the machine has gone idle).
        var level = 1
    }

    private var entries: [Key: Entry] = [:]
    private var keyByAlert: [String: Key] = [:]
    private var dirtyCurrent: [String: Double] = [:]
    private var deviceRules: [PackedUUID: (configuration: String?, bySensor: [String: [AlertRule]])] = [:]
    /// Reading times already judged (from the stored alerts, at `restore`) for rules with no machine
    /// yet; applied when the machine is made, so a replay after a restart is late (see `judgedThrough`).
    private var restoredJudged: [Key: Int64] = [:]
    /// Rules whose newest alert an operator resolved while the value was beyond the bound (from the
    /// stored alerts, at `restore`), for rules with no machine yet: they wait to be back inside.
    private var restoredCleared: Set<Key> = []
    private let configuredBySensor: [String: [AlertRule]]

    public init(store: AlertStore, settings: AlertSettings, logger: Logger) {
        self.store = store
        self.configured = settings.rules
        self.escalation = .init(afterMicros: Int64(settings.escalateAfterSeconds) * 1_000_000, maxLevel: settings.maxEscalationLevel)
        self.logger = logger
        self.configuredBySensor = Dictionary(grouping: settings.rules) { $0.sensor.lowercased() }
    }

    /// Readings skipped by a rule because they were not newer than the last one it judged (since start).
    public private(set) var lateReadings = 0
    private let lateCounter = Counter(label: "mash_alert_readings_late_total")

    /// Open alerts known to the engine.
    public var openCount: Int { keyByAlert.count }
    /// `current_value` changes not yet written.
    public var pendingCurrentValues: Int { dirtyCurrent.count }

    /// Rebuilds the state of every unresolved threshold alert, and how far each device's rules had
    /// judged readings (so replayed readings raise nothing again); returns how many open alerts.
    @discardableResult
    public func restore() throws(StoreError) -> Int {
        for stored in try store.loadOpen() {
            guard let rule = stored.rule else {
                logger.warning("open threshold alert with an unreadable threshold_config; left for operators", metadata: ["alert_id": "\(stored.id)"])
                continue
            }
            var machine = ThresholdRuleMachine(rule: rule, escalation: escalation)
            machine.restored(stored.open)
            let key = Key(device: stored.deviceID, rule: stored.ruleName)
            entries[key] = Entry(machine: machine, alertID: stored.id, deviceKey: stored.publishKey, deviceName: stored.publishKey,
                                 severity: stored.severity, title: stored.title, level: stored.open.level)
            keyByAlert[stored.id] = key
        }
        for judged in try store.loadJudgedThrough() {
            let key = Key(device: judged.deviceID, rule: judged.ruleName)
            if entries[key] != nil {
                entries[key]?.machine.judgedThrough(judged.micros)
            } else {
                restoredJudged[key] = judged.micros
            }
        }
        for cleared in try store.loadCleared() {
            let key = Key(device: cleared.deviceID, rule: cleared.ruleName)
            if entries[key] != nil {
                entries[key]?.machine.restoredCleared()
            } else {
                restoredCleared.insert(key)
            }
        }
        return keyByAlert.count
    }

    /// The rules that apply to `device` for `sensor` (lowercased): configured, replaced or extended by `devices.configuration.alert_rules`.
    public func rules(for device: DeviceRecord, sensor: String) -> [AlertRule] {
        if let cached = deviceRules[device.id], cached.configuration == device.configuration {
            return cached.bySensor[sensor] ?? []
        }
        var bySensor = configuredBySensor
        if let configuration = device.configuration, configuration.contains("alert_rules") {
            let (own, problems) = AlertRule.deviceRules(configurationJSON: configuration)
            for problem in problems {
                logger.warning("device alert rule ignored", metadata: ["device": "\(device.publishKey)", "problem": "\(problem)"])
            }
            if !own.isEmpty {
                bySensor = Dictionary(grouping: AlertRule.merged(configured: configured, device: own)) { $0.sensor.lowercased() }
            }
        }
        deviceRules[device.id] = (device.configuration, bySensor)
        return bySensor[sensor] ?? []
    }

    // MARK: Events

    /// Applies readings in order at gateway time `now` (default: each reading's own time); returns
    /// what to publish on `alerts/{device}`. Rows are written with `now`: an alert raised from
    /// readings written back after an outage is created (and escalates from) when it is raised.
    /// A reading not newer than the last one judged for a rule is skipped for that rule and counted.
    public func record(_ readings: [AlertReading], now: Int64? = nil) throws(StoreError) -> [AlertNotice] {
        var notices: [AlertNotice] = []
        for reading in readings {
            for rule in rules(for: reading.device, sensor: reading.sensor) {
                let key = Key(device: reading.device.id, rule: rule.name)
                var entry = entries[key] ?? newEntry(key, rule: rule, device: reading.device)
                if entry.machine.rule != rule { entry.machine.replaceRule(rule) }
                entry.deviceKey = reading.device.publishKey
                entry.deviceName = reading.device.name
                if entry.machine.isLate(reading.at) {
                    lateReadings += 1
                    lateCounter.increment()
                    entries[key] = entry
                    continue
                }
                let action = entry.machine.reading(reading.value, at: reading.at, now: now)
                try perform(action, key: key, entry: &entry, at: now ?? reading.at, readingAt: reading.at, notices: &notices)
                entries[key] = entry
            }
        }
        return notices
    }

    private func newEntry(_ key: Key, rule: AlertRule, device: DeviceRecord) -> Entry {
        var machine = ThresholdRuleMachine(rule: rule, escalation: escalation)
        if let judged = restoredJudged.removeValue(forKey: key) { machine.judgedThrough(judged) }
        if restoredCleared.remove(key) != nil { machine.restoredCleared() }
        return Entry(machine: machine, alertID: nil, deviceKey: device.publishKey, deviceName: device.name,
                     severity: rule.severity.rawValue, title: "")
    }

    /// Raises conditions that have held for `for_s` and escalates what is due.
    public func tick(now: Int64) throws(StoreError) -> [AlertNotice] {
        var notices: [AlertNotice] = []
        for key in Array(entries.keys) {
            guard var entry = entries[key] else { continue }
            switch entry.machine.state {
            case .pending, .open: break
            case .idle, .cleared: continue
            }
            let action = entry.machine.tick(now: now)
            if action == .nothing { continue }
            try perform(action, key: key, entry: &entry, at: now, readingAt: entry.machine.lastJudgedAt ?? now, notices: &notices)
            entries[key] = entry
        }
        // Forget idle machines of devices that sent nothing worth keeping (bounded memory).
        if entries.count > 10_000 {
            entries = entries.filter { $0.value.machine.state != .idle }
        }
        return notices
    }

    /// Writes the collected `current_value` changes (one statement); alerts found resolved by
    /// someone else are forgotten (resolved by operator, for the machine).
    public func flushCurrentValues() throws(StoreError) {
        guard !dirtyCurrent.isEmpty else { return }
        let values = dirtyCurrent
        let resolvedElsewhere = try store.updateCurrentValues(values)
        dirtyCurrent.removeAll(keepingCapacity: true)
        for id in resolvedElsewhere { operatorResolved(alertID: id) }
    }

    /// An operator acknowledged `alertID` (already written): stop escalating it.
    public func operatorAcknowledged(alertID: String) {
        guard let key = keyByAlert[alertID] else { return }
        entries[key]?.machine.acknowledged()
    }

    /// An operator resolved `alertID` (already written): no new alert until the value is back inside.
    public func operatorResolved(alertID: String) {
        guard let key = keyByAlert.removeValue(forKey: alertID) else { return }
        dirtyCurrent.removeValue(forKey: alertID)
        entries[key]?.machine.resolvedByOperator()
        entries[key]?.alertID = nil
    }

    // MARK: Actions

    /// `at`: gateway time, for the rows; `readingAt`: the time of the newest reading judged, kept
    /// with a raise or resolve so a restarted engine does not judge it again.
    private func perform(
        _ action: ThresholdRuleMachine.Action, key: Key, entry: inout Entry, at: Int64, readingAt: Int64, notices: inout [AlertNotice]
    ) throws(StoreError) {
        let rule = entry.machine.rule
        switch action {
        case .nothing:
            return
        case .raise(let trigger, _):
            let (title, message) = Self.text(rule: rule, deviceName: entry.deviceName, value: trigger)
            if let id = try store.raise(device: key.device, rule: rule, title: title, message: message, trigger: trigger, at: at, judgedThrough: readingAt) {
                entry.alertID = id
                entry.severity = rule.severity.rawValue
                entry.title = title
                entry.level = 1
                keyByAlert[id] = key
                logger.notice("threshold alert raised", metadata: [
                    "alert_id": "\(id)", "device": "\(entry.deviceKey)", "rule": "\(rule.name)", "value": "\(trigger)",
                ])
                notices.append(AlertNotice(event: .raised, alertID: id, deviceKey: entry.deviceKey, severity: entry.severity,
                                           escalationLevel: 1, title: title, currentValue: trigger))
            } else if let existing = try store.open(device: key.device, rule: rule.name) {
                // Already open (another instance, or state lost with a connection): adopt it, raise nothing.
                var open = existing.open
                open.current = trigger
                entry.machine.restored(open)
                entry.alertID = existing.id
                entry.severity = existing.severity
                entry.title = existing.title
                entry.level = existing.open.level
                keyByAlert[existing.id] = key
                dirtyCurrent[existing.id] = trigger
            } else {
                entry.machine = ThresholdRuleMachine(rule: rule, escalation: escalation)
            }
        case .updateCurrent(let value):
            if let id = entry.alertID { dirtyCurrent[id] = value }
        case .escalate(let level):
            guard let id = entry.alertID else { return }
            let priority = AlertSeverity(rawValue: entry.severity)?.notificationPriority ?? rule.severity.notificationPriority
            if try store.escalate(alertID: id, level: level, at: at, priority: priority) {
                entry.level = level
                logger.notice("threshold alert escalated", metadata: ["alert_id": "\(id)", "level": "\(level)"])
                var current: Double?
                if case .open(let open) = entry.machine.state { current = open.current }
                notices.append(AlertNotice(event: .escalated, alertID: id, deviceKey: entry.deviceKey, severity: entry.severity,
                                           escalationLevel: level, title: entry.title, currentValue: current))
            } else if let target = try store.target(alertID: UUID(uuidString: id) ?? UUID()) {
                if target.resolved {
                    keyByAlert.removeValue(forKey: id)
                    dirtyCurrent.removeValue(forKey: id)
                    entry.machine.resolvedByOperator()
                    entry.alertID = nil
                } else if target.acknowledged {
                    entry.machine.acknowledged()
                }
            }
        case .resolve(let value):
            guard let id = entry.alertID else { return }
            keyByAlert.removeValue(forKey: id)
            dirtyCurrent.removeValue(forKey: id)
            entry.alertID = nil
            if try store.autoResolve(alertID: id, current: value, at: at, judgedThrough: readingAt) {
                logger.notice("threshold alert resolved", metadata: ["alert_id": "\(id)", "value": "\(value)"])
                notices.append(AlertNotice(event: .resolved, alertID: id, deviceKey: entry.deviceKey, severity: entry.severity,
                                           escalationLevel: entry.level, title: entry.title, currentValue: value))
            }
        case .backInside:
            try store.markBackInside(device: key.device, ruleName: rule.name, judgedThrough: readingAt)
        }
    }

    /// The alert's title and message, e.g. "Kitchen sensor: temperature above 80".
    static func text(rule: AlertRule, deviceName: String, value: Double) -> (title: String, message: String) {
        let bound: String
        if let above = rule.above, value > above {
            bound = "above \(format(above))"
        } else if let below = rule.below {
            bound = "below \(format(below))"
        } else {
            bound = "above \(format(rule.above ?? 0))"
        }
        let title = "\(deviceName): \(rule.sensor) \(bound)"
        let message = "Rule \"\(rule.name)\": \(rule.sensor) on \(deviceName) is \(format(value)), \(bound)"
            + (rule.forSeconds > 0 ? " for at least \(format(rule.forSeconds)) s" : "")
            + (rule.autoResolve ? "; resolves when back inside by \(format(rule.hysteresis))" : "")
        return (title, message)
    }

    static func format(_ value: Double) -> String {
        if value.isFinite, value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}
