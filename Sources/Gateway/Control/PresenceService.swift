import Alerts
import DeviceRegistry
import Foundation
import GatewayConfig
import Logging
import MQTT
import Postgres
import Presence
import ServiceLifecycle

/// Runs device presence: a `PresenceTracker` on its own thread and database connection, fed
/// by the control router's mailbox.
///
/// Sweeps every `presence.sweep_interval_ms`, writes every ~2 s (sooner, but at most every
/// 250 ms, after a device changed status, so `devices.status` — which the command claim reads —
/// and the `device_offline` alerts follow quickly), and publishes each raised or resolved alert
/// on `alerts/{device}`. Status transitions go to `onTransitions` (the command service). On
/// graceful shutdown, which the group triggers after the ingest path has drained the ring, it
/// takes what is left in the mailbox and writes every device (`flushAll`), so stored counters
/// are exact up to the stop.
final class PresenceService: Service, Sendable {
    private let settings: PresenceSettings
    private let database: DatabaseSettings
    /// Several gateways share the devices' messages (`mqtt.shared_group` set).
    private let sharedGroup: Bool
    private let gate: Readiness
    private let inbox: Mailbox<PresenceInput>
    private let devices: DeviceDirectory
    private let publisher: PublisherSlot
    private let onTransitions: @Sendable ([PresenceTransition]) -> Void
    private let logger: Logger

    static let flushInterval = Duration.seconds(2)
    static let transitionFlushDelay = Duration.milliseconds(250)

    init(
        settings: PresenceSettings, database: DatabaseSettings, sharedGroup: Bool, after gate: Readiness, inbox: Mailbox<PresenceInput>,
        devices: DeviceDirectory, publisher: PublisherSlot, logger: Logger,
        onTransitions: @escaping @Sendable ([PresenceTransition]) -> Void
    ) {
        self.settings = settings
        self.database = database
        self.sharedGroup = sharedGroup
        self.gate = gate
        self.inbox = inbox
        self.devices = devices
        self.publisher = publisher
        self.onTransitions = onTransitions
        self.logger = logger
    }

    func run() async throws {
        try await inbox.serve(after: gate, thread: "mash-presence") { self.loop() }
    }

    // MARK: The presence thread

    private func loop() {
        guard let tracker = start() else { return }
        let sweepInterval = Duration.milliseconds(settings.sweepIntervalMilliseconds)
        let clock = ContinuousClock()
        var nextSweep = clock.now + sweepInterval
        var nextFlush = clock.now + Self.flushInterval
        var inputs: [PresenceInput] = []
        while true {
            let wait = min(nextSweep, nextFlush) - clock.now
            inbox.takeAll(into: &inputs, timeout: wait)
            let closed = inbox.isClosed
            var transitions: [PresenceTransition] = []
            for input in inputs {
                transitions += tracker.record(input.event, device: input.device, at: input.at)
            }
            if clock.now >= nextSweep {
                transitions += adoptSharedSightings(tracker)
                transitions += tracker.sweep(now: .now())
                nextSweep = clock.now + sweepInterval
            }
            if !transitions.isEmpty {
                onTransitions(transitions)
                nextFlush = min(nextFlush, clock.now + Self.transitionFlushDelay)
            }
            if closed && inputs.isEmpty {
                finish(tracker)
                return
            }
            if clock.now >= nextFlush {
                onTransitions(adoptSharedSightings(tracker))
                flush(tracker, all: false)
                nextFlush = clock.now + Self.flushInterval
            }
        }
    }

    /// With a shared subscription, other gateways see part of every device's messages: take their
    /// sightings from the database before a sweep or a flush (which sweeps) could call a device silent.
    private func adoptSharedSightings(_ tracker: PresenceTracker) -> [PresenceTransition] {
        guard sharedGroup else { return [] }
        let defaultLimit = Duration.seconds(settings.offlineAfterSeconds)
        let lookahead = min(.seconds(5), defaultLimit / 2) + .milliseconds(settings.sweepIntervalMilliseconds)
        do {
            return try tracker.adoptSharedSightings(now: .now(), lookahead: lookahead)
        } catch {
            logger.warning("presence could not read other gateways' sightings", metadata: ["error": "\(error)"])
            return []
        }
    }

    /// Connects and loads every device's presence, retrying until it works or the service stops.
    private func start() -> PresenceTracker? {
        var delay = Duration.milliseconds(500)
        var inputs: [PresenceInput] = []
        while !inbox.isClosed {
            do {
                let connection = try PostgresConnection.connect(
                    database.url, applicationName: "mash-gateway presence", connectTimeoutSeconds: database.connectTimeoutSeconds)
                return try PresenceTracker(store: PresenceStore(connection: connection), settings: settings, logger: logger)
            } catch {
                logger.warning("presence cannot load its state, retrying", metadata: ["error": "\(error)", "retry_in_ms": "\(delay.components.seconds * 1000 + delay.components.attoseconds / 1_000_000_000_000_000)"])
            }
            // Sleep without losing inputs: they stay queued for when the tracker exists.
            Thread.sleep(forTimeInterval: Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18)
            delay = min(delay * 2, .seconds(10))
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
            if all { logger.error("presence changes since the last write are lost at this stop", metadata: ["error": "\(error)"]) }
            return
        }
        if !result.transitions.isEmpty { onTransitions(result.transitions) }
        for notice in result.alerts { publish(notice) }
    }

    /// Published as any other alert event (`AlertNotice`); presence knows nothing of the alerts module.
    private func publish(_ offline: PresenceAlertNotice) {
        let notice = AlertNotice(
            event: offline.event == .raised ? .raised : .resolved, alertID: offline.alertID,
            deviceKey: devices.resolve(offline.deviceID.string)?.publishKey ?? offline.deviceID.string, alertType: offline.alertType,
            severity: offline.severity, escalationLevel: offline.escalationLevel, title: offline.title, currentValue: nil)
        let topic = notice.topic
        guard let client = publisher.client, client.isConnected else {
            logger.warning("alert not published: not connected to the broker (it is stored)", metadata: ["topic": "\(topic)", "alert_id": "\(notice.alertID)"])
            return
        }
        do {
            _ = try client.publish(topic: topic, payload: notice.payload, qos: .atLeastOnce)
        } catch {
            logger.warning("alert not published (it is stored)", metadata: ["topic": "\(topic)", "alert_id": "\(notice.alertID)", "error": "\(error)"])
        }
    }
}
