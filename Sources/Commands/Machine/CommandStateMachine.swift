import WallTime

/// The lifecycle of one device command as a value: events in, one action out, timers as actions.
///
/// `pending → sent → acknowledged → completed | failed`, with `timeout` reachable from every
/// non-terminal status. The machine does no I/O and reads no clock: every event carries `now`,
/// so tests drive time by hand and the dispatcher persists and publishes what the action says.
///
/// Rules (CONTRACT §4 "Commands"):
/// - A send arms a timer at `min(sent + timeout, expiry)`. When it fires without an ack the
///   command is sent again with `retryCount + 1` until `maxRetries` resends are used up
///   (1 + maxRetries sends in all), then it times out.
/// - An ack arms a timer at `min(ack + timeout, expiry)`; when it fires the command times out.
///   An acknowledged command is never sent again.
/// - At `expiresAt` (`created_at + ttl`) any unfinished command times out with error `expired`;
///   every event at or after that instant sees the expiry first.
/// - A command waits for an offline device without spending retries. A command sent while the
///   device was online whose ack timer fires while the device is offline goes back to `pending`
///   with its retry count unchanged, and the same attempt is sent again once the device is back
///   (a dispatcher claims it). Coming back online before the timer fires changes nothing: the
///   timer then counts as a normal unacknowledged send.
/// - A failed publish (broker unreachable) also goes back to `pending` without spending a retry.
/// - A result without an ack counts as both (`acknowledgedAt` is set too).
/// - Acks, results, timers and publish failures that arrive after a terminal status change
///   nothing and return `.ignored(reason)` so the dispatcher can log them.
public struct CommandStateMachine: Sendable, Equatable {
    /// How a command ended.
    public enum Outcome: Sendable, Equatable {
        case completed
        case failed(error: String)
        case timedOut(error: String)

        public var status: CommandStatus {
            switch self {
            case .completed: .completed
            case .failed: .failed
            case .timedOut: .timeout
            }
        }

        public var error: String? {
            switch self {
            case .completed: nil
            case .failed(let error), .timedOut(let error): error
            }
        }
    }

    /// What the owner of the machine must do after an event.
    public enum Action: Sendable, Equatable {
        /// Persist `sent`, publish this attempt to the device, arm the timer at `deadline`.
        case send(attempt: Int, deadline: WallInstant)
        /// Persist `acknowledged`, arm the timer at `deadline`.
        case acknowledge(deadline: WallInstant)
        /// Persist the terminal status and forget the command (and its timer).
        /// `acknowledgedNow`: a result arrived without an ack, which is reported as an ack too.
        case finish(Outcome, acknowledgedNow: Bool)
        /// Persist `pending` (retries unchanged) and forget the command: it is claimed again when its device is online.
        case requeue
        /// Arm (or re-arm) the timer at this instant; nothing else changed.
        case scheduleTimeout(WallInstant)
        /// Nothing to do (e.g. a presence change that does not matter in this status).
        case none
        /// A late, duplicate or impossible event; log it, change nothing.
        case ignored(reason: String)
    }

    /// Error text of a command not finished by `created_at + ttl` (CONTRACT).
    public static let expiredError = "expired"

    /// How long a send waits for its ack, and an ack for its result (`timeout_seconds`).
    public let timeout: Duration
    /// Resends allowed after the first send (`max_retries`).
    public let maxRetries: Int
    /// `created_at + ttl`: after it the command times out with error `expired`.
    public let expiresAt: WallInstant
    /// The row's lifecycle columns as they should be persisted.
    public private(set) var snapshot: CommandSnapshot
    /// Whether the device is believed online; offline devices do not spend retries.
    public private(set) var deviceOnline: Bool

    public var status: CommandStatus { snapshot.status }
    public var retryCount: Int { snapshot.retryCount }

    /// A machine for a row in any status (a new `pending` row, or one rebuilt after a restart).
    public init(snapshot: CommandSnapshot = CommandSnapshot(status: .pending), timeout: Duration, maxRetries: Int, expiresAt: WallInstant, deviceOnline: Bool) {
        self.snapshot = snapshot
        self.timeout = timeout
        self.maxRetries = max(0, maxRetries)
        self.expiresAt = expiresAt
        self.deviceOnline = deviceOnline
    }

    /// When the armed timer should fire in the current status; nil in terminal statuses.
    ///
    /// Rebuilding a machine from a row and arming this deadline is how timers survive a restart:
    /// a send 20 s ago with a 30 s timeout fires 10 s after the restart, not 30.
    public var deadline: WallInstant? {
        switch snapshot.status {
        case .pending:
            return expiresAt
        case .sent:
            guard let sentAt = snapshot.sentAt else { return expiresAt }
            return min(sentAt + timeout, expiresAt)
        case .acknowledged:
            guard let acknowledgedAt = snapshot.acknowledgedAt else { return expiresAt }
            return min(acknowledgedAt + timeout, expiresAt)
        case .completed, .failed, .timeout:
            return nil
        }
    }

    // MARK: Events

    /// The dispatcher wants to send a pending command now (it claimed the row).
    public mutating func dispatch(at now: WallInstant) -> Action {
        if let expired = expireIfDue(at: now) { return expired }
        guard snapshot.status == .pending else { return .ignored(reason: "dispatch while \(snapshot.status)") }
        guard deviceOnline else { return .scheduleTimeout(expiresAt) }
        return send(at: now)
    }

    /// The device is online again: a pending command is sent (without spending a retry).
    public mutating func deviceCameOnline(at now: WallInstant) -> Action {
        deviceOnline = true
        if let expired = expireIfDue(at: now) { return expired }
        guard snapshot.status == .pending else { return .none }
        return send(at: now)
    }

    /// The device went offline; armed timers keep running (see the type's rules).
    public mutating func deviceWentOffline(at now: WallInstant) -> Action {
        deviceOnline = false
        if let expired = expireIfDue(at: now) { return expired }
        return .none
    }

    /// The device acknowledged the command (`…/ack`). Accepted while pending too: an ack of an
    /// earlier send that arrives after the command went back to `pending`.
    public mutating func acknowledged(at now: WallInstant) -> Action {
        if let expired = expireIfDue(at: now) { return expired }
        switch snapshot.status {
        case .pending, .sent:
            snapshot.status = .acknowledged
            snapshot.acknowledgedAt = now
            return .acknowledge(deadline: min(now + timeout, expiresAt))
        case .acknowledged:
            return .ignored(reason: "duplicate acknowledgement")
        case .completed, .failed, .timeout:
            return .ignored(reason: "acknowledgement after \(snapshot.status)")
        }
    }

    /// The device reported a result (`…/result`): completed, or failed with an error.
    public mutating func resultReceived(succeeded: Bool, error: String? = nil, at now: WallInstant) -> Action {
        if let expired = expireIfDue(at: now) { return expired }
        let outcome: Outcome = succeeded ? .completed : .failed(error: error ?? "failed")
        switch snapshot.status {
        case .pending, .sent:
            snapshot.acknowledgedAt = now
            finish(outcome, at: now)
            return .finish(outcome, acknowledgedNow: true)
        case .acknowledged:
            finish(outcome, at: now)
            return .finish(outcome, acknowledgedNow: false)
        case .completed, .failed, .timeout:
            return .ignored(reason: "result after \(snapshot.status)")
        }
    }

    /// The armed timer fired. Early or stale firings re-arm instead of acting.
    public mutating func timerFired(at now: WallInstant) -> Action {
        if let expired = expireIfDue(at: now) { return expired }
        guard let deadline else { return .ignored(reason: "timer after \(snapshot.status)") }
        if now < deadline { return .scheduleTimeout(deadline) }
        switch snapshot.status {
        case .sent:
            guard deviceOnline else {
                snapshot.status = .pending
                return .requeue
            }
            guard snapshot.retryCount < maxRetries else {
                let sends = maxRetries + 1
                let outcome = Outcome.timedOut(error: "no acknowledgement after \(sends) send\(sends == 1 ? "" : "s")")
                finish(outcome, at: now)
                return .finish(outcome, acknowledgedNow: false)
            }
            snapshot.retryCount += 1
            return send(at: now)
        case .acknowledged:
            let outcome = Outcome.timedOut(error: "no result within \(Self.seconds(timeout)) s of the acknowledgement")
            finish(outcome, at: now)
            return .finish(outcome, acknowledgedNow: false)
        case .pending, .completed, .failed, .timeout:
            // Pending's only deadline is the expiry, handled above.
            return .scheduleTimeout(expiresAt)
        }
    }

    /// Publishing the latest send failed (no broker connection): back to pending, no retry spent.
    public mutating func publishFailed(at now: WallInstant) -> Action {
        if let expired = expireIfDue(at: now) { return expired }
        guard snapshot.status == .sent else { return .ignored(reason: "publish failure while \(snapshot.status)") }
        snapshot.status = .pending
        return .requeue
    }

    // MARK: Helpers

    private mutating func send(at now: WallInstant) -> Action {
        snapshot.status = .sent
        snapshot.sentAt = now
        return .send(attempt: snapshot.retryCount + 1, deadline: min(now + timeout, expiresAt))
    }

    private mutating func finish(_ outcome: Outcome, at now: WallInstant) {
        snapshot.status = outcome.status
        snapshot.completedAt = now
        snapshot.errorMessage = outcome.error
    }

    /// Times the command out with `expired` when `now` is at or past the TTL and it is not finished.
    private mutating func expireIfDue(at now: WallInstant) -> Action? {
        guard !snapshot.status.isTerminal, now >= expiresAt else { return nil }
        let outcome = Outcome.timedOut(error: Self.expiredError)
        finish(outcome, at: now)
        return .finish(outcome, acknowledgedNow: false)
    }

    static func seconds(_ duration: Duration) -> Int64 { duration.components.seconds }
}
