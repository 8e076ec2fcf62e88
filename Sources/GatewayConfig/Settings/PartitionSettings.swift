/// The time span of one `sensor_readings` partition.
public enum PartitionInterval: String, Sendable, Equatable, CaseIterable {
    case day
    case week
    case month
}

/// Partition maintenance of `sensor_readings` (`partitions:` in the YAML).
public struct PartitionSettings: Sendable, Equatable {
    public var interval: PartitionInterval
    /// Partitions entirely older than this are dropped; readings older than this are rejected.
    public var retentionDays: Int
    /// How many future partitions exist ahead of time, so no row waits for one.
    public var premake: Int

    public init(interval: PartitionInterval = .day, retentionDays: Int = 365, premake: Int = 3) {
        self.interval = interval
        self.retentionDays = retentionDays
        self.premake = premake
    }
}
