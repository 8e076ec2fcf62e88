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
/// Writers finish batches out of order, and a spooled batch is written back later than batches
/// after it may be committed; `WatchedReadingOrder` holds a later batch's readings until every
/// earlier batch is stored (a spooled one: replayed), and they are handed over under the lock, so
/// the sink sees them in ring order.
final class WatchedReadingFeed: Sendable {
    private let sink: any ControlMessageSink
    private let devices: DeviceDirectory
    private let sensors: SensorDirectory
    private let logger: Logger
    private let state = Mutex(State())
    private let unresolved = Counter(label: "mash_alert_readings_unresolved_total")

    private struct State {
        var order = WatchedReadingOrder<WatchedReading>()
    }

    init(sink: any ControlMessageSink, devices: DeviceDirectory, sensors: SensorDirectory, logger: Logger) {
        self.sink = sink
        self.devices = devices
        self.sensors = sensors
        self.logger = logger
    }

    /// Batch `sequence` is committed (or held no rows); `readings` are its watched readings. Call
    /// once per batch, or `spooled` instead.
    func committed(_ sequence: UInt64, readings: [WatchedReading]) {
        state.withLock { state in
            for ready in state.order.committed(sequence, readings: readings) { sink.watchedReadings(ready) }
        }
    }

    /// Batch `sequence` went to the spool: it and every later batch wait for `replayed(_:sequence:)`.
    func spooled(_ sequence: UInt64) {
        state.withLock { state in
            for ready in state.order.spooled(sequence) { sink.watchedReadings(ready) }
        }
    }

    /// A batch from the spool is committed (`batch` nil: it was unreadable and skipped); its readings
    /// of watched sensors go to the sink in row order, once every earlier batch has gone.
    /// `sequence`: its number when this run spooled it, nil for a batch an earlier run left.
    func replayed(_ batch: ReadingBatch?, sequence: UInt64?) {
        let watched = batch.map { watchedReadings(in: $0.storedReadings()) } ?? []
        state.withLock { state in
            for ready in state.order.replayed(sequence, readings: watched) { sink.watchedReadings(ready) }
        }
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
