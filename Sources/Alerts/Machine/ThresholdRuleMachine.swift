import GatewayConfig

/// One rule on one device: when its condition has held for `for_s`, when it is back inside the
/// bound by `hysteresis`, when it escalates.
///
/// A value that takes events and returns actions; it does no I/O and reads no clock, so every
/// path (the `for_s` boundary, hysteresis both ways, flapping, escalation) is tested with plain
/// numbers. Times are microseconds. A reading's time is its own (stored) timestamp, so readings
/// written back from the spool after an outage are judged as they happened; a reading not newer
/// than the last one judged (a repeat, or one that arrives out of order) is stored but not judged
/// (`isLate`). `now` is the gateway's clock: escalation counts from when the alert was raised,
/// and a condition known only from older readings is raised by `tick` no sooner than `for_s`
/// after the gateway learned of it (a backlog's next reading may still contradict it). Guarantees: at
/// most one `raise` until the alert is resolved (by value or by an operator); after an operator
/// resolves an alert whose value is still beyond the bound, nothing is raised again until the
/// value has come back inside by `hysteresis` (no re-raise loop); at most one escalation per tick,
/// at least `escalateAfterMicros` apart, never past `maxLevel`, never once acknowledged.
public struct ThresholdRuleMachine: Sendable, Equatable {
    /// How an unacknowledged alert escalates (`alerts.escalate_after_s`, `alerts.max_escalation_level`).
    public struct Escalation: Sendable, Equatable {
        public var afterMicros: Int64
        public var maxLevel: Int

        public init(afterMicros: Int64, maxLevel: Int) {
            self.afterMicros = afterMicros
            self.maxLevel = maxLevel
        }
    }

    /// An alert the machine considers raised and unresolved.
    public struct Open: Sendable, Equatable {
        public var level: Int
        public var acknowledged: Bool
        /// When it was raised or last escalated: the next escalation is due `afterMicros` later.
        public var lastEscalationAt: Int64
        public var current: Double

        public init(level: Int, acknowledged: Bool, lastEscalationAt: Int64, current: Double) {
            self.level = level
            self.acknowledged = acknowledged
            self.lastEscalationAt = lastEscalationAt
            self.current = current
        }
    }

    public enum State: Sendable, Equatable {
        /// Inside the bounds (or no reading yet).
        case idle
        /// Beyond a bound since `since`; raised when that has lasted `for_s`.
        case pending(since: Int64, latest: Double)
        case open(Open)
        /// Resolved by an operator while still beyond the bound: waits for the value to come back inside.
        case cleared
    }

    public enum Action: Sendable, Equatable {
        case nothing
        /// Insert the alert (level 1) and notify.
        case raise(trigger: Double, current: Double)
        /// The open alert's `current_value` is now this.
        case updateCurrent(Double)
        /// Set `escalation_level` to this and notify.
        case escalate(level: Int)
        /// Auto-resolve: back inside by `hysteresis`.
        case resolve(current: Double)
        /// Resolved by an operator while beyond the bound, now back inside by `hysteresis`: kept with
        /// that alert, so a restarted engine knows the wait is over (see `restoredCleared`).
        case backInside
    }

    public private(set) var rule: AlertRule
    public let escalation: Escalation
    public private(set) var state: State = .idle
    /// The time of the newest reading judged; nil before the first (after a restart: what the
    /// stored alerts say was judged, `judgedThrough`).
    public private(set) var lastJudgedAt: Int64?
    /// Gateway time at which the current `pending` condition was first seen.
    private var pendingNoticedAt: Int64?

    public init(rule: AlertRule, escalation: Escalation) {
        self.rule = rule
        self.escalation = escalation
    }

    private var forMicros: Int64 { Int64((rule.forSeconds * 1_000_000).rounded()) }

    /// True when `value` is beyond a bound (strictly above `above` or strictly below `below`).
    public static func violates(_ rule: AlertRule, _ value: Double) -> Bool {
        if let above = rule.above, value > above { return true }
        if let below = rule.below, value < below { return true }
        return false
    }

    /// True when `value` is inside every bound by at least `hysteresis`.
    public static func isBackInside(_ rule: AlertRule, _ value: Double) -> Bool {
        if let above = rule.above, value > above - rule.hysteresis { return false }
        if let below = rule.below, value < below + rule.hysteresis { return false }
        return true
    }

    // MARK: Events

    /// True when a reading at `at` would not be judged: not newer than the last one judged.
    public func isLate(_ at: Int64) -> Bool {
        lastJudgedAt.map { at <= $0 } ?? false
    }

    /// A reading of the rule's sensor taken at `at`, judged at gateway time `now` (default: `at`).
    /// A late reading (`isLate`) changes nothing.
    public mutating func reading(_ value: Double, at: Int64, now: Int64? = nil) -> Action {
        guard !isLate(at) else { return .nothing }
        lastJudgedAt = at
        let now = now ?? at
        switch state {
        case .idle:
            guard Self.violates(rule, value) else { return .nothing }
            if forMicros == 0 { return open(trigger: value, at: now) }
            state = .pending(since: at, latest: value)
            pendingNoticedAt = now
            return .nothing
        case .pending(let since, _):
            guard Self.violates(rule, value) else {
                state = .idle
                return .nothing
            }
            if at - since >= forMicros { return open(trigger: value, at: now) }
            state = .pending(since: since, latest: value)
            return .nothing
        case .open(var alert):
            if rule.autoResolve && Self.isBackInside(rule, value) {
                state = .idle
                return .resolve(current: value)
            }
            alert.current = value
            state = .open(alert)
            return .updateCurrent(value)
        case .cleared:
            guard Self.isBackInside(rule, value) else { return .nothing }
            state = .idle
            return .backInside
        }
    }

    /// Time passes: raises a pending condition that has lasted `for_s`, escalates when due.
    public mutating func tick(now: Int64) -> Action {
        switch state {
        case .pending(let since, let latest) where now - since >= forMicros && now - (pendingNoticedAt ?? since) >= forMicros:
            return open(trigger: latest, at: now)
        case .open(var alert):
            guard !alert.acknowledged, alert.level < escalation.maxLevel, escalation.afterMicros > 0,
                  now - alert.lastEscalationAt >= escalation.afterMicros
            else { return .nothing }
            alert.level += 1
            alert.lastEscalationAt = now
            state = .open(alert)
            return .escalate(level: alert.level)
        default:
            return .nothing
        }
    }

    /// An operator acknowledged the alert: it stays open but no longer escalates.
    public mutating func acknowledged() {
        if case .open(var alert) = state {
            alert.acknowledged = true
            state = .open(alert)
        }
    }

    /// An operator (or another application) resolved the alert.
    public mutating func resolvedByOperator() {
        if case .open(let alert) = state {
            state = Self.isBackInside(rule, alert.current) ? .idle : .cleared
        }
    }

    /// After a restart or a reconnect: the rule's newest alert was resolved by an operator while the
    /// value was beyond the bound, and no reading has come back inside since (`backInside` not
    /// stored). Without it a restarted engine would raise that condition again. A machine that
    /// already judged readings of its own since knows better and keeps its state.
    public mutating func restoredCleared() {
        if state == .idle { state = .cleared }
    }

    /// Rebuilds an open alert from its stored row (after a restart or a reconnect).
    public mutating func restored(_ alert: Open) {
        state = .open(alert)
    }

    /// After a restart or a reconnect: readings up to `at` were judged before and their effect
    /// (the raise or resolve stored with `at`) is committed. A replay of them (the ring or spool
    /// after a crash, a transaction retried after its commit was lost) is then late, so an alert
    /// already resolved is not raised again and an open one is not resolved by an older reading.
    public mutating func judgedThrough(_ at: Int64) {
        lastJudgedAt = max(lastJudgedAt ?? at, at)
    }

    /// The rule changed (new configuration) under the same name: the state carries over.
    public mutating func replaceRule(_ newRule: AlertRule) {
        rule = newRule
    }

    private mutating func open(trigger: Double, at: Int64) -> Action {
        state = .open(Open(level: 1, acknowledged: false, lastEscalationAt: at, current: trigger))
        return .raise(trigger: trigger, current: trigger)
    }
}
