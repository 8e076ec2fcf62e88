import DeviceRegistry

/// A stored reading of a sensor that the control sink asked to watch (see `ControlMessageSink`).
public struct WatchedReading: Sendable, Equatable {
    public var device: DeviceRecord
    /// `sensor_types.name`, lowercased.
    public var sensor: String
    public var value: Double
    /// The reading's own time as stored in `sensor_readings.timestamp` (epoch microseconds): the
    /// same for a reading judged live and one judged after a spool replay.
    public var timestampMicros: Int64

    public init(device: DeviceRecord, sensor: String, value: Double, timestampMicros: Int64) {
        self.device = device
        self.sensor = sensor
        self.value = value
        self.timestampMicros = timestampMicros
    }
}
