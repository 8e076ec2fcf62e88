/// Where a decoded string or JSON fragment lives: in the payload, or in the message's scratch buffer.
///
/// Names and metadata normally point straight into the payload (no copy); only a name with JSON
/// escapes, or metadata rewritten to carry `device_ts`, is materialised in
/// ``DecodedMessage/scratch``. Resolve it with ``DecodedMessage/withBytes(_:payload:_:)``.
public struct ByteRef: Hashable, Sendable {
    public enum Storage: UInt8, Sendable { case payload, scratch }
    public var storage: Storage
    public var start: Int32
    public var count: Int32

    public init(storage: Storage, start: Int, count: Int) {
        self.storage = storage
        self.start = Int32(truncatingIfNeeded: start)
        self.count = Int32(truncatingIfNeeded: count)
    }

    public var range: Range<Int> { Int(start)..<(Int(start) + Int(count)) }
}

/// One valid reading, ready for the sensor lookup and the row writer.
public struct DecodedReading: Hashable, Sendable {
    /// The sensor name as sent (UTF-8, unescaped); compare with ``SensorName``.
    public var sensor: ByteRef
    /// The value × 10⁴, rounded half away from zero; |value| ≤ 999 999 999 999 999 (DECIMAL(15,4)).
    public var scaledValue: Int64
    /// Microseconds since the Unix epoch, UTC; already resolved (own ts, message ts, or receive time).
    public var timestampMicros: Int64
    /// The device's quality, or `.uncertain` when the ts was replaced; nil means the column default.
    public var quality: ReadingQuality?
    /// The raw JSON object for `metadata` (with `device_ts` merged in when the ts was replaced).
    public var metadata: ByteRef?
    /// True when a ts more than the tolerance in the future was replaced by the receive time.
    public var timestampReplaced: Bool
    /// The key the device's `configuration.sensor_map` is asked with (ESPHome's object id, Tasmota's
    /// `AM2301.Temperature`); when the map has it, its value names the sensor type instead of
    /// ``sensor``. Nil for forms whose names are sensor types already (the native ones).
    public var mapKey: ByteRef?

    public init(sensor: ByteRef, scaledValue: Int64, timestampMicros: Int64, quality: ReadingQuality? = nil,
                metadata: ByteRef? = nil, timestampReplaced: Bool = false, mapKey: ByteRef? = nil) {
        self.mapKey = mapKey
        self.sensor = sensor
        self.scaledValue = scaledValue
        self.timestampMicros = timestampMicros
        self.quality = quality
        self.metadata = metadata
        self.timestampReplaced = timestampReplaced
    }

    /// The value as a `Double` (for alert rules and logs; store ``scaledValue``).
    public var value: Double { Double(scaledValue) / 10_000 }

    /// Marks a reading whose ts is not yet known while its message object is still being scanned.
    static let pendingTimestamp = Int64.min
}

/// A reusable sink for one decoded message: reuse it across messages so steady-state decoding
/// does not allocate (``removeAll(keepingCapacity:)`` keeps the buffers).
///
/// The `ByteRef`s inside are only meaningful together with the payload that was decoded and
/// this message's `scratch`; copy out what must outlive either.
public struct DecodedMessage: Sendable {
    public var readings: [DecodedReading] = []
    public var rejects: [ReadingReject] = []
    /// Unescaped names and rewritten metadata (see ``ByteRef``).
    public var scratch: [UInt8] = []

    public init() {}

    /// Empties the message; with `keepingCapacity` (the default) no memory is released.
    public mutating func removeAll(keepingCapacity: Bool = true) {
        readings.removeAll(keepingCapacity: keepingCapacity)
        rejects.removeAll(keepingCapacity: keepingCapacity)
        scratch.removeAll(keepingCapacity: keepingCapacity)
    }

    /// Calls `body` with the bytes `ref` names (borrowed; do not let them escape).
    public func withBytes<R>(_ ref: ByteRef, payload: UnsafeRawBufferPointer,
                             _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        switch ref.storage {
        case .payload:
            return try body(UnsafeRawBufferPointer(rebasing: payload[ref.range]))
        case .scratch:
            return try scratch.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[ref.range])) }
        }
    }

    /// The bytes `ref` names as a `String` (allocates; for logs, tests and cache misses).
    public func string(_ ref: ByteRef, payload: UnsafeRawBufferPointer) -> String {
        withBytes(ref, payload: payload) { String(decoding: $0, as: UTF8.self) }
    }

    /// The bytes `ref` names, copied.
    public func bytes(_ ref: ByteRef, payload: UnsafeRawBufferPointer) -> [UInt8] {
        withBytes(ref, payload: payload) { Array($0) }
    }
}
