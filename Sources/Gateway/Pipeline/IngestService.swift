import DeviceRegistry
import Foundation
import GatewayConfig
import Ingest
import Logging
import MessageRing
import ServiceLifecycle
import Synchronization

/// Owns the ingest path: the ring file, the spool, the directories, the consumer and the writers.
///
/// Starts after the database gate (schema checked) and opens its own gate for the MQTT intake
/// once the ring is ready to take messages. On graceful shutdown, which the group triggers after
/// the intake has disconnected, it drains the ring into PostgreSQL (or the spool), syncs the
/// ring file and returns: nothing accepted stays only in memory.
final class IngestService: Service, Sendable {
    let ready = Readiness()
    let intake: RingIntake
    /// The device cache, shared with presence and commands (one cache, one change follower); loaded in `run`.
    let devices: DeviceDirectory
    private let configuration: GatewayConfiguration
    private let gate: Readiness
    private let control: (any ControlMessageSink)?
    private let logger: Logger

    let liveness: Liveness

    init(configuration: GatewayConfiguration, after gate: Readiness, control: (any ControlMessageSink)?, liveness: Liveness, logger: Logger) {
        self.liveness = liveness
        self.configuration = configuration
        self.gate = gate
        self.control = control
        self.logger = logger
        intake = RingIntake(
            maxPayloadBytes: configuration.ingest.maxPayloadBytes,
            syncEveryMessage: configuration.ingest.fsyncIntervalMilliseconds == 0,
            logger: logger)
        devices = DeviceDirectory(databaseURL: configuration.database.url, logger: logger)
    }

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown { try await self.gate.wait() }
        } catch is CancellationError {
            return
        }
        let settings = configuration.ingest
        let databaseURL = configuration.database.url
        let logger = self.logger
        let (ring, spool) = try openLocalState(settings)
        let devices = self.devices
        let sensors = SensorDirectory(databaseURL: databaseURL, logger: logger)
        let (deviceCount, sensorCount) = try await onDedicatedThread("mash-ingest-load") {
            (try devices.load(), try sensors.load())
        }
        logger.info("device and sensor directories loaded", metadata: ["devices": "\(deviceCount)", "sensor_types": "\(sensorCount)"])

        let pool = WriterPool(
            databaseURL: databaseURL, partitions: configuration.partitions, spool: spool,
            connections: configuration.database.writerConnections, batchSize: settings.batchSize, logger: logger)
        pool.start()
        let consumer = IngestConsumer(
            ring: ring, pool: pool, devices: devices, sensors: sensors, settings: settings,
            partitions: configuration.partitions, control: control, liveness: liveness, logger: logger)
        consumer.start()

        let stopFollowing = Atomic<Bool>(false)
        let follower = Thread {
            devices.followChanges(databaseURL: databaseURL, shouldStop: { stopFollowing.load(ordering: .relaxed) })
        }
        follower.name = "mash-devices"
        follower.start()

        intake.attach(ring)
        ready.signal()
        logger.info("ingest ready", metadata: [
            "ring": "\(ring.path ?? "memory")", "ring_pending": "\(ring.pendingRecords)", "spooled_batches": "\(spool.count)",
            "writers": "\(configuration.database.writerConnections)",
        ])

        // The ring's pages reach the disk at least every fsync interval (bounding what a power cut can
        // take); partitions are made ahead and expired ones dropped at start and then hourly.
        let maintenance = PartitionMaintenance(databaseURL: databaseURL, settings: configuration.partitions, logger: logger)
        let syncInterval = settings.fsyncIntervalMilliseconds
        try? await cancelWhenGracefulShutdown {
            var nextMaintenance = ContinuousClock.now
            while true {
                if ContinuousClock.now >= nextMaintenance {
                    nextMaintenance = .now + .seconds(3600)
                    try? await onDedicatedThread("mash-partitions") { maintenance.run(now: RingIntake.nowMicros()) }
                }
                try await Task.sleep(for: .milliseconds(syncInterval > 0 ? syncInterval : 1000))
                if syncInterval > 0 {
                    try? await onDedicatedThread("mash-ring-sync") { try ring.sync() }
                }
            }
        }

        logger.info("ingest draining", metadata: ["ring_pending": "\(ring.pendingRecords)"])
        try await onDedicatedThread("mash-ingest-stop") { consumer.stop() }
        intake.attach(nil)
        stopFollowing.store(true, ordering: .relaxed)
        logger.info("ingest drained", metadata: ["ring_pending": "\(ring.pendingRecords)", "spooled_batches": "\(spool.count)"])
        spool.close()
        ring.close()
    }

    private func openLocalState(_ settings: IngestSettings) throws -> (MessageRing, Spool) {
        let directory = settings.spoolDirectory
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw StartupError(.localState, "ingest.spool_dir \(directory) cannot be created: \(error.localizedDescription)")
        }
        let ring: MessageRing
        do {
            ring = try MessageRing(path: "\(directory)/ring.mmap", capacity: settings.ringCapacityMegabytes << 20)
        } catch {
            throw StartupError(.localState, "ingest.spool_dir: the ring file cannot be used: \(error)")
        }
        let report = ring.openReport
        if report.replayedRecords > 0 || report.discardedBytes > 0 || report.capacityChange != nil {
            logger.notice("ring reopened", metadata: [
                "replaying_records": "\(report.replayedRecords)", "discarded_bytes": "\(report.discardedBytes)",
                "capacity_change": "\(report.capacityChange.map { "\($0)" } ?? "none")",
            ])
        }
        let spool: Spool
        do {
            spool = try Spool(directory: "\(directory)/batches", maxBytes: settings.spoolMaxMegabytes << 20, logger: logger)
        } catch {
            throw StartupError(.localState, "ingest.spool_dir: the spool cannot be used: \(error)")
        }
        for issue in spool.recoveryIssues {
            logger.error("spool recovery", metadata: ["issue": "\(issue)"])
        }
        return (ring, spool)
    }
}

/// Creates the coming partitions and drops the expired ones, on a short-lived connection.
///
/// Runs at start and hourly; a failure is logged and retried at the next run (partitions are
/// also created on demand by the writers, so a missed run never loses a reading).
struct PartitionMaintenance: Sendable {
    let databaseURL: String
    let settings: PartitionSettings
    let logger: Logger

    func run(now: Int64) {
        do {
            let writer = try BatchWriter.connect(url: databaseURL, partitions: settings, applicationName: "mash-gateway partitions", logger: logger)
            defer { writer.connection.close() }
            let made = try writer.premakePartitions(now: now)
            let dropped = try writer.dropExpiredPartitions(now: now)
            if !made.isEmpty || !dropped.isEmpty {
                logger.info("partition maintenance", metadata: ["created": "\(made)", "dropped": "\(dropped)"])
            }
        } catch {
            logger.warning("partition maintenance failed; retrying in an hour", metadata: ["error": "\(error)"])
        }
    }
}
