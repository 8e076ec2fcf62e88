import DeviceRegistry
import Logging
import Metrics
import Synchronization

/// Hands the readings an alert rule watches to the control sink once they are stored, in ring order.
///
/// Alerts judge what the database holds, whichever way it got there: a batch committed by a
/// writer releases the watched readings the consumer collected for it; a batch written back from
/// the spool releases the watched readings read out of its rows (`replayed`). A batch that went to
/// the spool releases nothing when it is spooled, so each stored reading is handed over once.
///
/// Writers finish batches out of order; `committed` holds a later batch's readings until every
/// earlier batch has finished, and hands them over under the lock, so the sink sees them in ring
/// order. The spool is replayed oldest first by one thread, and new batches go to the spool while
/// it holds any, so replayed readings keep that order too.
final class WatchedReadingFeed: Sendable {
    private let sink: any ControlMessageSink
    private let devices: DeviceDirectory
    private let sensors: SensorDirectory
    private let logger: Logger
    private let state = Mutex(State())
    private let unresolved = Counter(label: "mash_alert_readings_unresolved_total")

    private struct State {
        var next: UInt64 = 0
        var waiting: [UInt64: [WatchedReading]] = [:]
    }

    init(sink: any ControlMessageSink, devices: DeviceDirectory, sensors: SensorDirectory, logger: Logger) {
        self.sink = sink
        self.devices = devices
        self.sensors = sensors
        self.logger = logger
    }

    /// Batch `sequence` is durable: `readings` are its watched readings when it was committed,
    /// empty when it was spooled (they come back through `replayed`) or held none. Call once per batch.
    func committed(_ sequence: UInt64, readings: [WatchedReading]) {
        state.withLock { state in
            state.waiting[sequence] = readings
            while let ready = state.waiting.removeValue(forKey: state.next) {
                if !ready.isEmpty { sink.watchedReadings(ready) }
                state.next += 1
            }
        }
    }

    /// A batch from the spool is committed: its readings of watched sensors go to the sink, in row order.
    func replayed(_ batch: ReadingBatch) {
        let watched = watchedReadings(in: batch.storedReadings())
        guard !watched.isEmpty else { return }
        state.withLock { _ in sink.watchedReadings(watched) }
    }

    /// The rows of watched sensors, resolved through the directories' caches (no database query).
    /// A device or sensor type no longer known (deleted since) is counted and skipped.
    func watchedReadings(in rows: [BatchReading]) -> [WatchedReading] {
        var types: [PackedUUID: String] = [:]
        for type in sensors.all { types[type.id] = type.name.lowercased() }
        var records: [PackedUUID: (DeviceRecord, Set<String>)?] = [:]
        var out: [WatchedReading] = []
        var missing = 0
        for row in rows {
            let entry: (DeviceRecord, Set<String>)?
            if let known = records[row.device] {
                entry = known
            } else {
                entry = devices.cached(id: row.device).flatMap { device in sink.watchedSensors(device).map { (device, $0) } }
                records[row.device] = .some(entry)
            }
            guard let (device, watched) = entry else {
                if devices.cached(id: row.device) == nil { missing += 1 }
                continue
            }
            guard let sensor = types[row.sensorType] else {
                missing += 1
                continue
            }
            guard watched.contains(sensor) else { continue }
            out.append(WatchedReading(device: device, sensor: sensor, value: Double(row.scaledValue) / 10_000, timestampMicros: row.timestampMicros))
        }
        if missing > 0 {
            unresolved.increment(by: missing)
            logger.warning("replayed readings of devices or sensor types no longer known are not judged by alert rules", metadata: ["readings": "\(missing)"])
        }
        return out
    }
}
