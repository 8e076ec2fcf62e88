import Telemetry

/// What happens to telemetry from a device key that matches no `devices` row.
public enum UnknownDevicePolicy: String, Sendable, Equatable, CaseIterable {
    /// Stored in `ingest_rejects` with reason `unknown_device`.
    case reject
    /// Creates a `devices` row (serial_number = name = key, device_type `unregistered`, no owner).
    case register
}

/// The telemetry path from MQTT to COPY (`ingest:` in the YAML).
public struct IngestSettings: Sendable, Equatable {
    /// Rows per COPY at most.
    public var batchSize: Int
    /// A reading waits at most this long before its batch is written.
    public var flushIntervalMilliseconds: Int
    /// A batch goes as soon as a writer is free (small fast transactions under light load); false
    /// waits for a full batch or the flush interval (fewest transactions, latency ≈ the interval).
    public var flushWhenWriterFree: Bool
    /// All local state of one instance: spooled batches and the persistent ring.
    public var spoolDirectory: String
    public var unknownDevices: UnknownDevicePolicy
    /// Larger messages are rejected as `payload_too_large` before decoding.
    public var maxPayloadBytes: Int
    /// Deeper JSON is `malformed_payload`; bounds the decoder's recursion.
    public var maxJSONDepth: Int
    /// Size of the memory-mapped ring between the MQTT thread and the writers.
    public var ringCapacityMegabytes: Int
    /// Disk the spool may use while PostgreSQL is away; beyond it intake stops acknowledging.
    public var spoolMaxMegabytes: Int
    /// How often the ring/spool are fsynced; 0 fsyncs every message (safest, slowest).
    public var fsyncIntervalMilliseconds: Int
    /// `ingest_rejects` rows older than this many days are deleted; 0 keeps them forever.
    public var rejectsRetentionDays: Int
    /// Payload bytes of rejects stored per device and hour; beyond it the row is kept without its payload.
    public var rejectPayloadBytesPerDeviceHour: Int
    /// The device conventions switched on (names in `DeviceConventions`): what the gateway subscribes to.
    public var conventions: [String]

    public init(
        batchSize: Int = 5000,
        flushIntervalMilliseconds: Int = 200,
        spoolDirectory: String = "/var/lib/mash-gateway/spool",
        unknownDevices: UnknownDevicePolicy = .reject,
        maxPayloadBytes: Int = 262_144,
        maxJSONDepth: Int = 32,
        ringCapacityMegabytes: Int = 16,
        spoolMaxMegabytes: Int = 1024,
        fsyncIntervalMilliseconds: Int = 1000,
        rejectsRetentionDays: Int = 30,
        rejectPayloadBytesPerDeviceHour: Int = 1_048_576,
        conventions: [String] = DeviceConventions.defaultNames,
        flushWhenWriterFree: Bool = true
    ) {
        self.flushWhenWriterFree = flushWhenWriterFree
        self.conventions = conventions
        self.batchSize = batchSize
        self.flushIntervalMilliseconds = flushIntervalMilliseconds
        self.spoolDirectory = spoolDirectory
        self.unknownDevices = unknownDevices
        self.maxPayloadBytes = maxPayloadBytes
        self.maxJSONDepth = maxJSONDepth
        self.ringCapacityMegabytes = ringCapacityMegabytes
        self.spoolMaxMegabytes = spoolMaxMegabytes
        self.fsyncIntervalMilliseconds = fsyncIntervalMilliseconds
        self.rejectsRetentionDays = rejectsRetentionDays
        self.rejectPayloadBytesPerDeviceHour = rejectPayloadBytesPerDeviceHour
    }
}
