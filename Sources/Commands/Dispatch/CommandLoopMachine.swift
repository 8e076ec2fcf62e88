import Foundation

/// What the command thread does next, as a value: which inputs to apply and in what batches, when
/// to (re)connect, claim, sweep and fire timers, how long to back off after a failure, when to stop.
///
/// Events: inputs taken from the mailbox (with whether the mailbox is closed and the broker
/// connected), an action done or failed, a claim page sent. Each returns the one action to
/// perform next; the driver performs it (I/O) and reports back. No I/O and no clock: every event
/// carries the time, so tests drive it with plain instants. Generic over the instant: the gateway
/// drives it with the monotonic clock, so a step of the wall clock cannot stretch a back-off or a
/// poll (the dispatcher's timer deadline, a wall-clock instant, is handed over converted). Guarantees:
/// - Inputs are applied in the order they were taken. Consecutive device events and presence
///   changes go to the dispatcher as one batch; an operator command is handled alone; a
///   notification only asks for a claim. An input whose work fails stays at the head of the
///   backlog and is retried after the back-off; after `maxHeadFailures` failures in a row of the
///   same head (the database answers but refuses it) it is dropped with a log line, so it cannot
///   block everything behind it.
/// - Work happens only with a database connection: `connect` first, `reconnect` (which rebuilds
///   the dispatcher from the rows) after any failure; a reconnect asks for a claim, since other
///   gateways may have changed the rows meanwhile.
/// - Pending rows are claimed only while the broker is connected: first for devices that came
///   online (at once, before presence has written `devices.status`), then, when wanted, for every
///   online device. A claim is wanted at start, on `mash_commands` notifications, after the broker
///   connection comes back, after a reconnect and after every sweep (each `pollInterval`). A claim
///   repeats while a page comes back full.
/// - After a failure nothing is tried for `retryDelay` (500 ms, doubling to 10 s, back to 500 ms
///   after a cycle that succeeds). Inputs keep arriving meanwhile.
/// - Once the mailbox is closed: `stop` after the backlog is applied; `abandon` when the work
///   fails (or a back-off is running), reporting the inputs that were not applied.
public struct CommandLoopMachine<Instant: InstantProtocol>: Sendable, Equatable where Instant.Duration == Duration {
    public enum Action: Sendable, Equatable {
        /// Take what the mailbox holds, waiting until `until` at most; report with `took`.
        case wait(until: Instant)
        /// Open the database connection, build the dispatcher from the active rows and the operator handler.
        case connect
        /// Reconnect, and rebuild the dispatcher from the database.
        case reconnect
        /// `CommandDispatcher.apply`, then publish its effects.
        case apply([CommandEvent])
        /// `OperatorCommandHandler.handle`, then publish its response.
        case handleOperatorCommand(operatorKey: String, payload: [UInt8])
        /// `CommandDispatcher.sweep`: expire unclaimed rows, adopt orphans.
        case sweep
        /// One `claimPending` page of at most `limit` rows; report the sends with `claimed(sends:)`.
        case claim(CommandStore.OnlineDevices, limit: Int)
        /// `CommandDispatcher.fireDueTimers`.
        case fireDueTimers
        /// Log that `input` failed `maxHeadFailures` times in a row and is dropped (`error` the last failure).
        case drop(CommandInput, error: String)
        /// Log the failure, close the connection if it is still open; nothing is tried for `retryIn`.
        case backOff(retryIn: Duration, error: String)
        /// Graceful stop, everything taken applied: close the connection.
        case stop
        /// Stop without the database: `unapplied` inputs taken from the mailbox are lost.
        case abandon(unapplied: Int)
    }

    public static var maxHeadFailures: Int { 5 }
    public static var initialRetryDelay: Duration { .milliseconds(500) }
    public static var maxRetryDelay: Duration { .seconds(10) }

    public let pollInterval: Duration
    /// Rows claimed per statement.
    public let claimLimit: Int
    /// How long a wait lasts at most, so a broker reconnect is noticed while nothing else happens.
    public let idleCheck: Duration

    private enum Database: Sendable, Equatable {
        case absent, lost, ready
    }

    /// Where the current cycle is; a cycle starts after each `took` (unless backing off).
    private enum Stage: Sendable, Equatable {
        case database, backlog, broker, sweep, claim, timers, done, finished
    }

    /// The action the driver is performing, to interpret its report.
    private enum Performing: Sendable, Equatable {
        case nothing, wait, connect, reconnect, sweep, claimCameOnline, claimWanted, timers
        case batch(count: Int, cameOnline: Set<UUID>)
        case operatorCommand
        case drop(retryIn: Duration, error: String)
        case backOff
    }

    /// Inputs taken but not yet applied, oldest first.
    public private(set) var backlog: [CommandInput] = []
    /// Devices that came online and whose pending commands are still to be claimed.
    public private(set) var cameOnline: Set<UUID> = []
    public private(set) var claimWanted = true
    public private(set) var retryDelay = initialRetryDelay
    public private(set) var retryAt: Instant?
    public private(set) var nextPoll: Instant
    private var database = Database.absent
    private var stage = Stage.done
    private var performing = Performing.nothing
    private var closed = false
    private var brokerConnected = false
    private var wasConnected = false
    private var timerDeadline: Instant?
    /// Backlog inputs handled in this cycle: a failure after progress is a new head's first.
    private var handled = 0
    private var headFailures = 0

    public init(pollInterval: Duration, claimLimit: Int = 100, idleCheck: Duration = .milliseconds(200), now: Instant) {
        self.pollInterval = pollInterval
        self.claimLimit = claimLimit
        self.idleCheck = idleCheck
        self.nextPoll = now.advanced(by: pollInterval)
    }

    // MARK: Events

    /// The first action: a short wait, then the first cycle connects.
    public mutating func start(now: Instant) -> Action {
        waitAction(now)
    }

    /// `inputs` were taken from the mailbox; `closed`: it is closed (graceful shutdown), so this
    /// is the last of them; `brokerConnected`: the publishing client is connected now.
    public mutating func took(_ inputs: [CommandInput], closed: Bool, brokerConnected: Bool, now: Instant) -> Action {
        guard stage != .finished else { return .stop }
        backlog += inputs
        self.closed = closed
        self.brokerConnected = brokerConnected
        if let retryAt, now < retryAt {
            return closed ? finish(.abandon(unapplied: backlog.count)) : waitAction(now)
        }
        stage = .database
        return advance(now)
    }

    /// The last action was performed; `timerDeadline` is the dispatcher's earliest timer now (`nextDeadline`).
    public mutating func done(now: Instant, timerDeadline: Instant?) -> Action {
        guard stage != .finished else { return .stop }
        self.timerDeadline = timerDeadline
        switch performing {
        case .nothing, .wait, .timers:
            break
        case .connect:
            database = .ready
        case .reconnect:
            database = .ready
            claimWanted = true
        case .batch(let count, let online):
            backlog.removeFirst(count)
            handled += count
            cameOnline.formUnion(online)
        case .operatorCommand:
            backlog.removeFirst()
            handled += 1
        case .sweep:
            claimWanted = true
            nextPoll = now.advanced(by: pollInterval)
        case .claimCameOnline, .claimWanted:
            return claimed(sends: 0, now: now, timerDeadline: timerDeadline)
        case .drop(let delay, let error):
            performing = .backOff
            return .backOff(retryIn: delay, error: error)
        case .backOff:
            return closed ? finish(.abandon(unapplied: backlog.count)) : waitAction(now)
        }
        return advance(now)
    }

    /// A claim page was performed and `sends` commands were published: a full page asks for another.
    public mutating func claimed(sends: Int, now: Instant, timerDeadline: Instant?) -> Action {
        guard stage != .finished else { return .stop }
        self.timerDeadline = timerDeadline
        if sends < claimLimit {
            switch performing {
            case .claimCameOnline: cameOnline.removeAll()
            case .claimWanted: claimWanted = false
            default: break
            }
        }
        return advance(now)
    }

    /// The last action failed (`error` for the log): back off, and drop the head input if it keeps failing.
    public mutating func failed(_ error: String, now: Instant) -> Action {
        guard stage != .finished else { return .stop }
        var dropped: CommandInput?
        switch performing {
        case .batch, .operatorCommand:
            headFailures = handled > 0 ? 1 : headFailures + 1
            if headFailures >= Self.maxHeadFailures, !backlog.isEmpty {
                dropped = backlog.removeFirst()
                headFailures = 0
            }
        default:
            break
        }
        if database == .ready { database = .lost }
        let delay = retryDelay
        retryAt = now.advanced(by: delay)
        retryDelay = min(retryDelay * 2, Self.maxRetryDelay)
        stage = .done
        if let dropped {
            performing = .drop(retryIn: delay, error: error)
            return .drop(dropped, error: error)
        }
        performing = .backOff
        return .backOff(retryIn: delay, error: error)
    }

    // MARK: The cycle

    private mutating func advance(_ now: Instant) -> Action {
        while true {
            switch stage {
            case .database:
                switch database {
                case .absent: return perform(.connect, as: .connect)
                case .lost: return perform(.reconnect, as: .reconnect)
                case .ready:
                    retryAt = nil
                    handled = 0
                    stage = .backlog
                }
            case .backlog:
                guard let head = backlog.first else {
                    headFailures = 0
                    stage = .broker
                    continue
                }
                switch head {
                case .device, .presenceChanged:
                    let (events, count, online) = batch()
                    return perform(.apply(events), as: .batch(count: count, cameOnline: online))
                case .operatorCommand(let operatorKey, let payload):
                    return perform(.handleOperatorCommand(operatorKey: operatorKey, payload: payload), as: .operatorCommand)
                case .pendingNotified:
                    claimWanted = true
                    backlog.removeFirst()
                    handled += 1
                }
            case .broker:
                if closed { return finish(.stop) }
                if brokerConnected && !wasConnected { claimWanted = true }
                wasConnected = brokerConnected
                stage = .sweep
            case .sweep:
                stage = .claim
                if now >= nextPoll { return perform(.sweep, as: .sweep) }
            case .claim:
                if brokerConnected && !cameOnline.isEmpty {
                    return perform(.claim(.only(cameOnline), limit: claimLimit), as: .claimCameOnline)
                }
                if brokerConnected && claimWanted {
                    return perform(.claim(.databaseStatus, limit: claimLimit), as: .claimWanted)
                }
                stage = .timers
            case .timers:
                stage = .done
                if let timerDeadline, timerDeadline <= now { return perform(.fireDueTimers, as: .timers) }
            case .done:
                retryDelay = Self.initialRetryDelay
                return waitAction(now)
            case .finished:
                return .stop
            }
        }
    }

    /// The longest run of device events and presence changes at the head of the backlog, as
    /// dispatcher events, and the devices it leaves online.
    private func batch() -> (events: [CommandEvent], count: Int, cameOnline: Set<UUID>) {
        var events: [CommandEvent] = []
        var online: Set<UUID> = []
        var count = 0
        loop: for input in backlog {
            switch input {
            case .device(let event):
                events.append(event)
            case .presenceChanged(let changes):
                for change in changes {
                    if change.online {
                        events.append(.deviceOnline(change.deviceID))
                        online.insert(change.deviceID)
                    } else {
                        events.append(.deviceOffline(change.deviceID))
                        online.remove(change.deviceID)
                    }
                }
            case .operatorCommand, .pendingNotified:
                break loop
            }
            count += 1
        }
        return (events, count, online)
    }

    private mutating func perform(_ action: Action, as performing: Performing) -> Action {
        self.performing = performing
        return action
    }

    /// Until the next poll, at most `idleCheck`, no later than a due timer or the end of a back-off.
    /// During a back-off a poll or timer already due cannot be acted on, so it does not shorten the
    /// wait (it would turn the wait into a busy loop for as long as the database is away).
    private mutating func waitAction(_ now: Instant) -> Action {
        stage = .done
        performing = .wait
        var until = now.advanced(by: idleCheck)
        if let retryAt, retryAt > now { return .wait(until: min(until, retryAt)) }
        until = min(until, nextPoll)
        if let timerDeadline { until = min(until, max(timerDeadline, now)) }
        if let retryAt { until = min(until, max(retryAt, now)) }
        return .wait(until: until)
    }

    private mutating func finish(_ action: Action) -> Action {
        stage = .finished
        performing = .nothing
        return action
    }
}
