/// Why something a device sent was not stored: exactly the contract's `ingest_rejects.reason` codes.
///
/// The decoder produces only `malformedPayload`, `valueOutOfRange` and `timestampOutOfRange`;
/// the other codes are decided by the gateway (size limit, device and sensor lookups) and live
/// here so that every module writes the same strings.
public enum IngestRejectReason: String, Sendable, Hashable, CaseIterable {
    case malformedPayload = "malformed_payload"
    case payloadTooLarge = "payload_too_large"
    case unknownDevice = "unknown_device"
    case unknownSensor = "unknown_sensor"
    case valueOutOfRange = "value_out_of_range"
    case timestampOutOfRange = "timestamp_out_of_range"
}

/// `sensor_readings.quality_indicator`; a reading without one gets the column default (`good`).
public enum ReadingQuality: String, Sendable, Hashable, CaseIterable {
    case good, uncertain, bad
}

/// One reading (or a whole message) that cannot be stored, with a short human explanation.
///
/// Built only on the failure path, so it may allocate (`detail` is a `String`).
public struct ReadingReject: Error, Sendable, Hashable, CustomStringConvertible {
    public var reason: IngestRejectReason
    /// e.g. `sensor "temperature": value "hot" is a string`.
    public var detail: String
    /// The sensor name when the reject concerns one reading whose name is known.
    public var sensor: String?

    public init(reason: IngestRejectReason, detail: String, sensor: String? = nil) {
        self.reason = reason
        self.detail = detail
        self.sensor = sensor
    }

    public var description: String { "\(reason.rawValue): \(detail)" }
}
