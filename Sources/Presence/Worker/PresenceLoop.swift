import Foundation
import GatewayConfig
import Logging
import Mailboxes
import Outbox
import Postgres

/// The presence thread's state and I/O; lives only on that thread. What is due when is
/// `PresenceLoopTiming`'s decision.
final class PresenceLoop {
    let worker: PresenceWorker
    let inbox: Mailbox<PresenceInput>
    var settings: PresenceSettings { worker.settings }
    var logger: Logger { worker.logger }
    let clock = ContinuousClock()
    var timing: PresenceLoopTiming<ContinuousClock.Instant>
    /// Inputs taken from the mailbox so far; all of them are committed after a successful write.
    var taken: UInt64 = 0

    init(worker: PresenceWorker, inbox: Mailbox<PresenceInput>) {
        self.worker = worker
        self.inbox = inbox
        self.timing = PresenceLoopTiming(sweepInterval: .milliseconds(worker.settings.sweepIntervalMilliseconds), now: clock.now)
    }

    func run() {
        guard let tracker = start() else { return }
        timing.loaded(now: clock.now)
        var inputs: [PresenceInput] = []
        while true {
            inbox.takeAll(into: &inputs, timeout: timing.wait(now: clock.now))
            taken += UInt64(inputs.count)
            let closed = inbox.isClosed
            var transitions: [PresenceTransition] = []
            for input in inputs {
                transitions += tracker.record(input.event, device: input.device, at: input.at)
            }
            if timing.sweepDue(now: clock.now) {
                transitions += adoptSharedSightings(tracker)
                transitions += tracker.sweep(now: .now())
                timing.swept(now: clock.now)
            }
            if !transitions.isEmpty {
                worker.onTransitions(transitions)
                timing.transitioned(now: clock.now)
            }
            if closed && inputs.isEmpty {
                finish(tracker)
                return
            }
            if timing.flushDue(now: clock.now) {
                worker.onTransitions(adoptSharedSightings(tracker))
                flush(tracker, all: false)
                timing.flushed(now: clock.now)
            }
        }
    }

    /// With a shared subscription, other gateways see part of every device's messages: take their
    /// sightings from the database before a sweep or a flush (which sweeps) could call a device silent.
    private func adoptSharedSightings(_ tracker: PresenceTracker) -> [PresenceTransition] {
        guard worker.sharedGroup else { return [] }
        let defaultLimit = Duration.seconds(settings.offlineAfterSeconds)
        let lookahead = min(.seconds(5), defaultLimit / 2) + .milliseconds(settings.sweepIntervalMilliseconds)
        do {
            return try tracker.adoptSharedSightings(now: .now(), lookahead: lookahead)
        } catch {
            logger.warning("presence could not read other gateways' sightings", metadata: ["error": "\(error)"])
            return []
        }
    }

    /// Connects and loads every device's presence, retrying until it works or the mailbox is closed.
    private func start() -> PresenceTracker? {
        var inputs: [PresenceInput] = []
        let database = worker.database
        while !inbox.isClosed {
            let delay: Duration
            do {
                let connection = try PostgresConnection.connect(
                    database.url, applicationName: "mash-gateway presence", connectTimeoutSeconds: database.connectTimeoutSeconds)
                let tracker = try PresenceTracker(store: PresenceStore(connection: connection), settings: settings, logger: logger)
                let (outbox, alertMessage) = (worker.outbox, worker.alertMessage)
                tracker.enqueueNotices = { notices in
                    try outbox.enqueue(notices.map { notice in
                        let (topic, payload) = alertMessage(notice)
                        return OutboxMessage(topic: topic, payload: payload)
                    }, on: connection)
                }
                return tracker
            } catch {
                delay = timing.loadFailed()
                logger.warning("presence cannot load its state, retrying", metadata: ["error": "\(error)", "retry_in_ms": "\(delay.components.seconds * 1000 + delay.components.attoseconds / 1_000_000_000_000_000)"])
            }
            // Sleep without losing inputs: they stay queued for when the tracker exists.
            Thread.sleep(forTimeInterval: Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18)
        }
        inbox.takeAll(into: &inputs, timeout: .zero)
        if !inputs.isEmpty {
            logger.error("presence stopped before it could reach the database; events not recorded", metadata: ["events": "\(inputs.count)"])
        }
        return nil
    }

    private func finish(_ tracker: PresenceTracker) {
        flush(tracker, all: true)
        tracker.store.connection.close()
        logger.info("presence stopped", metadata: ["devices": "\(tracker.machine.count)", "online": "\(tracker.machine.onlineCount)"])
    }

    private func flush(_ tracker: PresenceTracker, all: Bool) {
        let result: PresenceFlushResult
        do {
            result = all ? try tracker.flushAll(now: .now()) : try tracker.flush(now: .now())
        } catch {
            logger.warning("presence write failed; kept for the next flush", metadata: ["error": "\(error)"])
            if all {
                logger.error("presence changes since the last write are not stored at this stop (heartbeats and status messages among them are read again from the ring at the next start)",
                             metadata: ["error": "\(error)"])
            }
            return
        }
        // Every input taken so far is in the rows just written: their ring records may go.
        inbox.settle(through: taken)
        if !result.transitions.isEmpty { worker.onTransitions(result.transitions) }
        // The alert events went into the outbox with their rows; the publisher sends them.
        if !result.alerts.isEmpty { worker.outbox.committed() }
    }
}
