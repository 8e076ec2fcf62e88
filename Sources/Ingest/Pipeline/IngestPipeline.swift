import DeviceRegistry
import Foundation
import GatewayConfig
import Logging
import MessageRing
import Synchronization
import WallTime

/// The ingest path from the ring to PostgreSQL: the ring file, the spool, the directories, the
/// consumer, the writers and the device-change follower.
///
/// `start()` opens all of it and attaches the ring to `recorder`, so messages may flow from then
/// on; `stop()`, called once nothing more arrives, drains the ring into PostgreSQL (or the spool),
/// syncs the ring file and closes both: nothing accepted stays only in memory. Every call here
/// blocks (file and database I/O); callers run them on their own threads.
public final class IngestPipeline: Sendable {
    /// The MQTT message handler's target; stores nothing until `start()` has attached the ring.
    public let recorder: RingRecorder
    /// The device cache, shared with presence and commands (one cache, one change follower); loaded in `start()`.
    public let devices: DeviceDirectory

    private let settings: IngestSettings
    private let partitions: PartitionSettings
    private let databaseURL: String
    /// For the device-change LISTEN: a direct session when `databaseURL` goes through a transaction pooler.
    private let sessionURL: String
    private let writerConnections: Int
    private let control: (any ControlMessageSink)?
    private let liveness: Liveness
    private let logger: Logger
    private let maintenance: PartitionMaintenance
    private let rejectRetention: RejectRetention
    private let running = Mutex<Running?>(nil)

    /// What `start()` opened, for the timers and `stop()`.
    private struct Running: Sendable {
        let ring: MessageRing
        let spool: Spool
        let consumer: IngestConsumer
        let pool: WriterPool
        let stopFollowing: StopFlag
    }

    private final class StopFlag: Sendable {
        let value = Atomic<Bool>(false)
    }

    public init(
        settings: IngestSettings, partitions: PartitionSettings, databaseURL: String, sessionURL: String? = nil,
        writerConnections: Int, control: (any ControlMessageSink)?, liveness: Liveness, logger: Logger
    ) {
        self.settings = settings
        self.partitions = partitions
        self.databaseURL = databaseURL
        self.sessionURL = sessionURL ?? databaseURL
        self.writerConnections = writerConnections
        self.control = control
        self.liveness = liveness
        self.logger = logger
        recorder = RingRecorder(
            maxPayloadBytes: settings.maxPayloadBytes, syncEveryMessage: settings.fsyncIntervalMilliseconds == 0, logger: logger)
        devices = DeviceDirectory(databaseURL: databaseURL, logger: logger)
        maintenance = PartitionMaintenance(databaseURL: databaseURL, settings: partitions, logger: logger)
        rejectRetention = RejectRetention(databaseURL: databaseURL, retentionDays: settings.rejectsRetentionDays, logger: logger)
    }

    /// Opens the local state, loads the directories, starts the writers, the consumer and the
    /// follower, then attaches the ring to `recorder`; `ready` runs after that, before "ingest ready"
    /// is logged.
    ///
    /// Throws `LocalStateError` when the spool directory, ring file or spool cannot be used, and
    /// the directories' `PostgresError` when they cannot be loaded.
    public func start(ready: () -> Void) throws {
        let (ring, spool) = try openLocalState()
        let devices = self.devices
        let sensors = SensorDirectory(databaseURL: databaseURL, logger: logger)
        let (deviceCount, sensorCount) = (try devices.load(), try sensors.load())
        logger.info("device and sensor directories loaded", metadata: ["devices": "\(deviceCount)", "sensor_types": "\(sensorCount)"])

        let pool = WriterPool(
            databaseURL: databaseURL, partitions: partitions, spool: spool,
            connections: writerConnections, batchSize: settings.batchSize, logger: logger,
            feed: control.map { WatchedReadingFeed(sink: $0, devices: devices, sensors: sensors, logger: logger) })
        pool.start()
        let consumer = IngestConsumer(
            ring: ring, pool: pool, devices: devices, sensors: sensors, settings: settings,
            partitions: partitions, control: control, liveness: liveness, logger: logger)
        consumer.start()

        let stopFollowing = StopFlag()
        let sessionURL = self.sessionURL
        let follower = Thread {
            devices.followChanges(databaseURL: sessionURL, shouldStop: { stopFollowing.value.load(ordering: .relaxed) })
        }
        follower.name = "mash-devices"
        follower.start()

        running.withLock { $0 = Running(ring: ring, spool: spool, consumer: consumer, pool: pool, stopFollowing: stopFollowing) }
        recorder.attach(ring)
        ready()
        logger.info("ingest ready", metadata: [
            "ring": "\(ring.path ?? "memory")", "ring_pending": "\(ring.pendingRecords)", "spooled_batches": "\(spool.count)",
            "writers": "\(writerConnections)",
        ])
    }

    /// The database, spool and lag as the running pipeline sees them; nil before `start()` has finished.
    public var health: IngestHealth? {
        guard let running = running.withLock({ $0 }) else { return nil }
        let spool = running.pool.spoolUsage
        return IngestHealth(
            databaseProblem: running.pool.databaseProblem, spoolBytes: spool.bytes, spoolMaxBytes: spool.maxBytes,
            oldestUnwrittenMicros: running.consumer.oldestUnwrittenMicros)
    }

    /// Flushes the ring's pages to disk, bounding what a power cut can take (`ingest.fsync_interval_ms`).
    public func syncRing() throws {
        try running.withLock { $0 }?.ring.sync()
    }

    /// Creates the coming partitions and drops the expired ones; failures are logged, never thrown.
    public func maintainPartitions() {
        maintenance.run(now: WallInstant.now().microseconds)
    }

    /// Deletes `ingest_rejects` rows past `ingest.rejects_retention_days`; failures are logged, never thrown.
    public func expireRejects() {
        do {
            try rejectRetention.run(now: WallInstant.now().microseconds)
        } catch {
            logger.warning("deleting old ingest_rejects rows failed; retrying in an hour", metadata: ["error": "\(error)"])
        }
    }

    /// Drains the ring, waits until every batch is durable, stops the follower and closes the
    /// ring and the spool. Call after the broker connection has stopped; does nothing before `start()`.
    public func stop() {
        guard let running = running.withLock({ $0 }) else { return }
        let ring = running.ring
        logger.info("ingest draining", metadata: ["ring_pending": "\(ring.pendingRecords)"])
        running.consumer.stop()
        recorder.attach(nil)
        running.stopFollowing.value.store(true, ordering: .relaxed)
        logger.info("ingest drained", metadata: ["ring_pending": "\(ring.pendingRecords)", "spooled_batches": "\(running.spool.count)"])
        running.spool.close()
        ring.close()
    }

    private func openLocalState() throws(LocalStateError) -> (MessageRing, Spool) {
        let directory = settings.spoolDirectory
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw LocalStateError("ingest.spool_dir \(directory) cannot be created: \(error.localizedDescription)")
        }
        let ring: MessageRing
        do {
            ring = try MessageRing(path: "\(directory)/ring.mmap", capacity: settings.ringCapacityMegabytes << 20)
        } catch {
            throw LocalStateError("ingest.spool_dir: the ring file cannot be used: \(error)")
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
            throw LocalStateError("ingest.spool_dir: the spool cannot be used: \(error)")
        }
        for issue in spool.recoveryIssues {
            logger.error("spool recovery", metadata: ["issue": "\(issue)"])
        }
        return (ring, spool)
    }
}
