import Postgres
import Telemetry
import WallTime

/// Rows for one write: `sensor_readings` and `ingest_rejects`, already in binary COPY form.
///
/// The consumer thread fills it row by row and a `BatchWriter` stores it in one transaction.
/// Appending does no per-row heap allocation once the buffers have grown to a batch's size
/// (`reset()` keeps every capacity): values go straight into the COPY encoders, ids come from a
/// `UUIDv7Generator`, and a set (reserved up front) drops repeats within the batch. The batch
/// remembers the days it touches (for `PartitionManager.ensure`) and where each row starts (so
/// a writer can isolate a row the server refuses).
public struct ReadingBatch: Sendable {
    /// The `sensor_readings` columns each reading row holds, in order.
    public static let readingColumns = "id, device_id, sensor_type_id, value, quality_indicator, timestamp, metadata"
    /// The `ingest_rejects` columns each reject row holds, in order.
    public static let rejectColumns = "received_at, topic, payload, reason, detail"
    /// The most of a rejected payload stored (the rest is cut, and `detail` says so).
    public static let maxStoredPayloadBytes = 64 * 1024

    static let readingFieldCount = 7
    static let rejectFieldCount = 5

    var readings: BinaryCopyEncoder
    var rejects: BinaryCopyEncoder
    /// Where each reading / reject row starts in its encoder's bytes.
    var readingOffsets: [Int] = []
    var rejectOffsets: [Int] = []
    private var keys: Set<ReadingKey> = []
    private var ids = UUIDv7Generator()

    /// Distinct days (since 1970-01-01, UTC) the readings fall on, in first-seen order.
    public private(set) var days: [Int64] = []
    /// Smallest and largest reading timestamp (Unix µs); `Int64.max`/`Int64.min` when empty.
    public private(set) var minTimestampMicros = Int64.max
    public private(set) var maxTimestampMicros = Int64.min
    /// Readings dropped by `append` because the batch already held the same device, sensor and ts.
    public private(set) var duplicatesInBatch = 0
    /// Whether `seal()` has closed the COPY streams.
    public private(set) var isSealed = false

    /// `capacity` is the expected number of readings (ingest.batch_size); the buffers start at that size.
    public init(capacity: Int = 5000) {
        readings = BinaryCopyEncoder(reservingCapacity: max(capacity, 16) * 160)
        rejects = BinaryCopyEncoder(reservingCapacity: 4096)
        readingOffsets.reserveCapacity(capacity)
        keys.reserveCapacity(capacity)
    }

    public var readingCount: Int { readingOffsets.count }
    public var rejectCount: Int { rejectOffsets.count }
    public var isEmpty: Bool { readingOffsets.isEmpty && rejectOffsets.isEmpty }
    /// Bytes of COPY data held (a measure for spool limits).
    public var byteCount: Int { readings.count + rejects.count }

    /// Empties the batch for reuse, keeping every buffer's capacity (and the id generator's state).
    public mutating func reset() {
        readings.reset()
        rejects.reset()
        readingOffsets.removeAll(keepingCapacity: true)
        rejectOffsets.removeAll(keepingCapacity: true)
        keys.removeAll(keepingCapacity: true)
        days.removeAll(keepingCapacity: true)
        minTimestampMicros = .max
        maxTimestampMicros = .min
        duplicatesInBatch = 0
        isSealed = false
    }

    /// Closes both COPY streams; call when the batch is complete, before handing it to a writer
    /// (a writer given an unsealed batch seals a copy). Appending afterwards needs `reset()`.
    public mutating func seal() {
        guard !isSealed else { return }
        readings.finish()
        rejects.finish()
        isSealed = true
    }

    /// Appends one reading; returns false (and stores nothing) when the batch already holds a
    /// reading with the same device, sensor and timestamp — the first one wins, as in the database.
    ///
    /// `scaledValue` is the value × 10⁴ (DECIMAL(15,4)); `quality` nil stores the column default
    /// `good`; `metadata` is a JSON object's UTF-8 text (validated by the server), nil stores `{}`.
    @discardableResult
    public mutating func append(
        deviceID: (UInt64, UInt64), sensorTypeID: (UInt64, UInt64), scaledValue: Int64,
        quality: ReadingQuality?, timestampMicros: Int64, metadata: UnsafeRawBufferPointer?
    ) -> Bool {
        precondition(!isSealed, "ReadingBatch: append after seal(); call reset() first")
        let key = ReadingKey(device: deviceID, sensor: sensorTypeID, timestampMicros: timestampMicros)
        guard keys.insert(key).inserted else {
            duplicatesInBatch += 1
            return false
        }
        readingOffsets.append(readings.count)
        readings.beginRow(fieldCount: Self.readingFieldCount)
        readings.writeUUID(ids.next())
        readings.writeUUID(deviceID)
        readings.writeUUID(sensorTypeID)
        readings.writeNumeric(scaled: scaledValue)
        Self.writeQuality(quality ?? .good, into: &readings)
        readings.writeTimestamp(unixMicroseconds: timestampMicros)
        if let metadata, metadata.count > 0 {
            readings.writeJSONB(utf8: metadata)
        } else {
            Self.emptyObject.withUnsafeBytes { readings.writeJSONB(utf8: $0) }
        }
        noteTimestamp(timestampMicros)
        return true
    }

    private static let emptyObject: [UInt8] = Array("{}".utf8)
    private static let qualityText: [[UInt8]] = ReadingQuality.allCases.map { Array($0.rawValue.utf8) }

    private static func writeQuality(_ quality: ReadingQuality, into encoder: inout BinaryCopyEncoder) {
        let index = switch quality { case .good: 0; case .uncertain: 1; case .bad: 2 }
        qualityText[index].withUnsafeBytes { encoder.writeText(utf8: $0) }
    }

    private mutating func noteTimestamp(_ micros: Int64) {
        if micros < minTimestampMicros { minTimestampMicros = micros }
        if micros > maxTimestampMicros { maxTimestampMicros = micros }
        let day = CivilDate.dayNumber(micros: micros)
        // Nearly every reading falls on the day of the one before it.
        if days.last != day, !days.contains(day) { days.append(day) }
    }

    /// Appends an `ingest_rejects` row: the exact topic and payload bytes (the payload cut to
    /// `maxStoredPayloadBytes`, which `detail` then states), the reason and a human explanation.
    ///
    /// Text columns cannot hold NUL or invalid UTF-8: such a topic is stored with U+FFFD in their
    /// place (the payload, bytea, is always exact).
    public mutating func appendReject(
        receivedAtMicros: Int64, topic: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer,
        reason: IngestRejectReason, detail: String
    ) {
        precondition(!isSealed, "ReadingBatch: appendReject after seal(); call reset() first")
        rejectOffsets.append(rejects.count)
        rejects.beginRow(fieldCount: Self.rejectFieldCount)
        rejects.writeTimestamp(unixMicroseconds: receivedAtMicros)
        if let clean = TextColumn.cleaned(topic) {
            rejects.writeText(clean)
        } else {
            rejects.writeText(utf8: topic)
        }
        var detail = detail
        if payload.count > Self.maxStoredPayloadBytes {
            detail += " (payload truncated: first \(Self.maxStoredPayloadBytes) of \(payload.count) bytes stored)"
            rejects.writeText(utf8: UnsafeRawBufferPointer(rebasing: payload[0..<Self.maxStoredPayloadBytes]))  // bytea: raw bytes
        } else {
            rejects.writeText(utf8: payload)  // bytea's binary form is the bytes themselves
        }
        rejects.writeText(reason.rawValue)
        rejects.writeText(TextColumn.cleaned(detail))
    }

    /// `appendReject` for values already in arrays and strings (tests, the gateway's own rejects).
    public mutating func appendReject(
        receivedAtMicros: Int64, topic: String, payload: [UInt8], reason: IngestRejectReason, detail: String
    ) {
        var topic = topic
        topic.withUTF8 { topicBytes in
            payload.withUnsafeBytes { payloadBytes in
                appendReject(receivedAtMicros: receivedAtMicros, topic: UnsafeRawBufferPointer(topicBytes),
                             payload: payloadBytes, reason: reason, detail: detail)
            }
        }
    }

    // MARK: Restoring (spool)

    /// Re-appends a reading read back from a serialized batch, keeping its id.
    mutating func appendRestoredReading(
        id: (UInt64, UInt64), device: (UInt64, UInt64), sensor: (UInt64, UInt64), scaledValue: Int64,
        quality: UnsafeRawBufferPointer, timestampMicros: Int64, metadata: UnsafeRawBufferPointer
    ) {
        keys.insert(ReadingKey(device: device, sensor: sensor, timestampMicros: timestampMicros))
        readingOffsets.append(readings.count)
        readings.beginRow(fieldCount: Self.readingFieldCount)
        readings.writeUUID(id)
        readings.writeUUID(device)
        readings.writeUUID(sensor)
        readings.writeNumeric(scaled: scaledValue)
        readings.writeText(utf8: quality)
        readings.writeTimestamp(unixMicroseconds: timestampMicros)
        readings.writeJSONB(utf8: metadata)
        noteTimestamp(timestampMicros)
    }

    mutating func appendRestoredReject(
        receivedPostgresMicros: Int64, topic: UnsafeRawBufferPointer?, payload: UnsafeRawBufferPointer?,
        reason: UnsafeRawBufferPointer, detail: UnsafeRawBufferPointer
    ) {
        rejectOffsets.append(rejects.count)
        rejects.beginRow(fieldCount: Self.rejectFieldCount)
        rejects.writeTimestamp(postgresMicroseconds: receivedPostgresMicros)
        if let topic { rejects.writeText(utf8: topic) } else { rejects.writeNull() }
        if let payload { rejects.writeText(utf8: payload) } else { rejects.writeNull() }
        rejects.writeText(utf8: reason)
        rejects.writeText(utf8: detail)
    }

    mutating func duplicatesInBatchRestored(_ count: Int) { duplicatesInBatch = count }

    // MARK: COPY data for writers

    /// The full COPY stream of readings (sealed batches only).
    func withReadingsCopy<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        precondition(isSealed)
        return try readings.withUnsafeBytes(body)
    }

    func withRejectsCopy<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        precondition(isSealed)
        return try rejects.withUnsafeBytes(body)
    }

    /// A complete COPY stream holding only readings `rows` (for isolating a row the server refuses).
    func readingsCopy(rows: Range<Int>) -> [UInt8] {
        Self.copy(of: readings, offsets: readingOffsets, rows: rows, sealed: isSealed)
    }

    func rejectsCopy(rows: Range<Int>) -> [UInt8] {
        Self.copy(of: rejects, offsets: rejectOffsets, rows: rows, sealed: isSealed)
    }

    /// The bytes of one reading row (field count included).
    func readingRow(_ index: Int) -> ArraySlice<UInt8> {
        readings.bytes[Self.rowRange(index, offsets: readingOffsets, total: readings.count, sealed: isSealed)]
    }

    func rejectRow(_ index: Int) -> ArraySlice<UInt8> {
        rejects.bytes[Self.rowRange(index, offsets: rejectOffsets, total: rejects.count, sealed: isSealed)]
    }

    private static func rowRange(_ index: Int, offsets: [Int], total: Int, sealed: Bool) -> Range<Int> {
        let end = index + 1 < offsets.count ? offsets[index + 1] : total - (sealed ? 2 : 0)
        return offsets[index]..<end
    }

    private static func copy(of encoder: BinaryCopyEncoder, offsets: [Int], rows: Range<Int>, sealed: Bool) -> [UInt8] {
        let bytes = encoder.bytes
        var out: [UInt8] = []
        guard !rows.isEmpty else { return out }
        let start = offsets[rows.lowerBound]
        let end = rows.upperBound < offsets.count ? offsets[rows.upperBound] : bytes.count - (sealed ? 2 : 0)
        out.reserveCapacity(BinaryCopyEncoder.headerSize + end - start + 2)
        out.append(contentsOf: bytes[0..<BinaryCopyEncoder.headerSize])
        out.append(contentsOf: bytes[start..<end])
        out.append(0xFF)
        out.append(0xFF)
        return out
    }
}

/// Text that PostgreSQL accepts in a TEXT column (valid UTF-8, no NUL).
enum TextColumn {
    /// nil when `bytes` can be stored as they are; else the text with U+FFFD for each bad byte and NUL.
    static func cleaned(_ bytes: UnsafeRawBufferPointer) -> String? {
        if !bytes.contains(0), String(validating: bytes, as: UTF8.self) != nil { return nil }
        return cleaned(String(decoding: bytes, as: UTF8.self))
    }

    static func cleaned(_ text: String) -> String {
        text.contains("\u{0}") ? text.replacingOccurrences(of: "\u{0}", with: "\u{FFFD}") : text
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: Character(target), omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
