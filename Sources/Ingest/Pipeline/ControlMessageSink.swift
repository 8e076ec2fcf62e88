import DeviceRegistry
import Telemetry

/// Where non-telemetry messages go (presence, commands, operator actions), and the readings some
/// consumer downstream watches. Called on the ingest thread, in ring order; implementations hand
/// the work to their own service quickly and never block.
public protocol ControlMessageSink: Sendable {
    /// `retained`: the broker replayed a retained message (at subscribe), the device did not send it now.
    func deviceMessage(_ device: DeviceRecord, topic: DeviceTopic, payload: UnsafeRawBufferPointer, receivedAtMicros: Int64, retained: Bool)
    func operatorMessage(topic: DeviceTopic, payload: UnsafeRawBufferPointer, receivedAtMicros: Int64)
    /// Lowercased names of the sensors watched on `device`; nil when none (checked once per message).
    func watchedSensors(_ device: DeviceRecord) -> Set<String>?
    /// Readings of watched sensors once they are stored (committed, or written back from the
    /// spool), in ring order. Called on a writer or the spool thread, never concurrently.
    func watchedReadings(_ readings: [WatchedReading])
}
