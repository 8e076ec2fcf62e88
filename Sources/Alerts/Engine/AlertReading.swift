import DeviceRegistry

/// One stored reading of a sensor some rule watches, as the ingest path hands it over.
public struct AlertReading: Sendable {
    public var device: DeviceRecord
    /// `sensor_types.name`, lowercased (rules compare sensor names case-insensitively).
    public var sensor: String
    public var value: Double
    /// The reading's own time as stored (epoch microseconds): a rule's state follows reading time,
    /// so a reading written back from the spool is judged where it belongs.
    public var at: Int64

    public init(device: DeviceRecord, sensor: String, value: Double, at: Int64) {
        self.device = device
        self.sensor = sensor
        self.value = value
        self.at = at
    }
}
