import DeviceRegistry

/// A stored reading of a sensor that the control sink asked to watch (see `ControlMessageSink`).
public struct WatchedReading: Sendable, Equatable {
    public var device: DeviceRecord
    /// `sensor_types.name`, lowercased.
    public var sensor: String
    public var value: Double
    /// When the gateway received the message (epoch microseconds), not the device's timestamp.
    public var receivedAtMicros: Int64

    public init(device: DeviceRecord, sensor: String, value: Double, receivedAtMicros: Int64) {
        self.device = device
        self.sensor = sensor
        self.value = value
        self.receivedAtMicros = receivedAtMicros
    }
}
