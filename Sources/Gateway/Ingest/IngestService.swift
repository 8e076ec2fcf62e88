import DeviceRegistry
import GatewayConfig
import Ingest
import Logging
import ServiceLifecycle

/// The ingest pipeline as a service: started after the database gate, stopped after the broker.
///
/// Starts the pipeline once the database gate has opened (schema checked) and opens its own gate
/// for the broker connection once the ring takes messages. Meanwhile it runs the pipeline's
/// timers. On graceful shutdown, which the group triggers after the broker connection has
/// closed, it drains the pipeline and returns: nothing accepted stays only in memory.
final class IngestService: Service, Sendable {
    let ready = Readiness()
    let pipeline: IngestPipeline
    private let gate: Readiness
    private let syncIntervalMilliseconds: Int

    /// The MQTT message handler's target (see `RingRecorder`).
    var recorder: RingRecorder { pipeline.recorder }
    /// The device cache, shared with presence and commands; loaded when the service starts.
    var devices: DeviceDirectory { pipeline.devices }

    init(configuration: GatewayConfiguration, after gate: Readiness, control: (any ControlMessageSink)?, liveness: Liveness, logger: Logger) {
        self.gate = gate
        syncIntervalMilliseconds = configuration.ingest.fsyncIntervalMilliseconds
        pipeline = IngestPipeline(
            settings: configuration.ingest, partitions: configuration.partitions, databaseURL: configuration.database.url,
            sessionURL: configuration.database.sessionURL, writerConnections: configuration.database.writerConnections, control: control, liveness: liveness, logger: logger)
    }

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown { try await self.gate.wait() }
        } catch is CancellationError {
            return
        }
        let pipeline = self.pipeline
        let ready = self.ready
        do {
            try await onDedicatedThread("mash-ingest-start") { try pipeline.start { ready.signal() } }
        } catch let error as LocalStateError {
            throw StartupError(.localState, error.message)
        }

        // The ring's pages reach the disk at least every fsync interval (bounding what a power cut can
        // take); partitions are made ahead and expired ones dropped, and old rejects deleted, at start and then hourly.
        let syncInterval = syncIntervalMilliseconds
        try? await cancelWhenGracefulShutdown {
            var nextMaintenance = ContinuousClock.now
            while true {
                if ContinuousClock.now >= nextMaintenance {
                    nextMaintenance = .now + .seconds(3600)
                    try? await onDedicatedThread("mash-partitions") { pipeline.maintainPartitions() }
                    try? await onDedicatedThread("mash-reject-retention") { pipeline.expireRejects() }
                }
                try await Task.sleep(for: .milliseconds(syncInterval > 0 ? syncInterval : 1000))
                if syncInterval > 0 {
                    try? await onDedicatedThread("mash-ring-sync") { try pipeline.syncRing() }
                }
            }
        }
        try await onDedicatedThread("mash-ingest-stop") { pipeline.stop() }
    }
}
