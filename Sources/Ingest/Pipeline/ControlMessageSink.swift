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
    /// How many inputs each worker has been handed so far, taken right after a control message
    /// (heartbeat, status, command ack or result, operator request) was handed over.
    func controlMark() -> ControlMark
    /// Whether every input counted in `mark` has its effect committed by its worker.
    func isSettled(_ mark: ControlMark) -> Bool
}

extension ControlMessageSink {
    /// Where the workers' inputs stand just after a control message was handed over; the ring
    /// keeps that message's record until `isSettled` says so (see `ControlReleaseFence`).
    /// The default (a sink with nothing to commit) is settled at once.
    public func controlMark() -> ControlMark { ControlMark(0, 0, 0) }
    public func isSettled(_ mark: ControlMark) -> Bool { true }
}
