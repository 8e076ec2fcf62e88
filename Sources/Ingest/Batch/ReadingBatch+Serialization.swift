import Postgres

extension ReadingBatch {
    /// "MRB1": mash reading batch, format 1.
    static let serializationMagic: [UInt8] = [0x4D, 0x52, 0x42, 0x31]

    /// A compact, self-checking binary form for the spool: a header (magic, counts, min/max ts,
    /// days), then the reading rows and the reject rows exactly as COPY sends them.
    ///
    /// `init(serialized:)` re-reads every field with bounds checks, so a torn or corrupt file is
    /// reported rather than sent to the server half-understood.
    public func serialize() -> [UInt8] {
        var out: [UInt8] = []
        let readingRows = rowBytes(readings, first: readingOffsets.first, sealed: isSealed)
        let rejectRows = rowBytes(rejects, first: rejectOffsets.first, sealed: isSealed)
        out.reserveCapacity(64 + days.count * 8 + readingRows.count + rejectRows.count)
        out.append(contentsOf: Self.serializationMagic)
        append(UInt32(readingCount), to: &out)
        append(UInt32(rejectCount), to: &out)
        append(UInt32(duplicatesInBatch), to: &out)
        append(minTimestampMicros, to: &out)
        append(maxTimestampMicros, to: &out)
        append(UInt32(days.count), to: &out)
        for day in days { append(day, to: &out) }
        append(UInt64(readingRows.count), to: &out)
        out.append(contentsOf: readingRows)
        append(UInt64(rejectRows.count), to: &out)
        out.append(contentsOf: rejectRows)
        return out
    }

    /// Reads a batch written by `serialize()`; the result is sealed, ready for `BatchWriter.write`.
    public init(serialized: [UInt8]) throws(ReadingBatchFormatError) {
        let result: Result<ReadingBatch, ReadingBatchFormatError> = serialized.withUnsafeBytes { buffer in
            do throws(ReadingBatchFormatError) { return .success(try ReadingBatch(parsing: buffer)) } catch { return .failure(error) }
        }
        self = try result.get()
    }

    private init(parsing buffer: UnsafeRawBufferPointer) throws(ReadingBatchFormatError) {
        var reader = CopyRowReader(buffer)
        guard Array(try reader.raw(4)) == Self.serializationMagic else { throw ReadingBatchFormatError("not a serialized batch (bad magic)") }
        let readingCount = Int(try reader.integer(UInt32.self))
        let rejectCount = Int(try reader.integer(UInt32.self))
        let duplicates = Int(try reader.integer(UInt32.self))
        _ = try reader.integer(Int64.self)  // min/max ts: recomputed from the rows
        _ = try reader.integer(Int64.self)
        let dayCount = Int(try reader.integer(UInt32.self))
        guard dayCount <= readingCount else { throw ReadingBatchFormatError("more days than readings") }
        for _ in 0..<dayCount { _ = try reader.integer(Int64.self) }  // recomputed too
        self.init(capacity: readingCount)

        let readingLength = Int(try reader.integer(UInt64.self))
        var rows = CopyRowReader(try reader.raw(readingLength))
        for _ in 0..<readingCount { try appendReading(from: &rows) }
        guard rows.isAtEnd else { throw ReadingBatchFormatError("trailing bytes after \(readingCount) readings") }

        let rejectLength = Int(try reader.integer(UInt64.self))
        var rejectRows = CopyRowReader(try reader.raw(rejectLength))
        for _ in 0..<rejectCount { try appendRejectRow(from: &rejectRows) }
        guard rejectRows.isAtEnd, reader.isAtEnd else { throw ReadingBatchFormatError("trailing bytes") }
        duplicatesInBatchRestored(duplicates)
        seal()
    }

    private mutating func appendReading(from rows: inout CopyRowReader) throws(ReadingBatchFormatError) {
        guard try rows.integer(Int16.self) == Int16(Self.readingFieldCount) else { throw ReadingBatchFormatError("bad reading row") }
        guard let id = try rows.field(), id.count == 16, let device = try rows.field(), device.count == 16,
              let sensor = try rows.field(), sensor.count == 16, let value = try rows.field(),
              let quality = try rows.field(), let timestamp = try rows.field(), timestamp.count == 8,
              let metadata = try rows.field(), metadata.count >= 1, metadata[0] == 1
        else { throw ReadingBatchFormatError("bad reading field") }
        let micros = CopyRowReader.bigEndian(timestamp, at: 0, as: Int64.self) + BinaryCopyEncoder.postgresEpochOffsetMicroseconds
        appendRestoredReading(
            id: uuid(id), device: uuid(device), sensor: uuid(sensor), scaledValue: try CopyRowReader.scaledNumeric(value),
            quality: quality, timestampMicros: micros, metadata: UnsafeRawBufferPointer(rebasing: metadata[1...])
        )
    }

    private mutating func appendRejectRow(from rows: inout CopyRowReader) throws(ReadingBatchFormatError) {
        guard try rows.integer(Int16.self) == Int16(Self.rejectFieldCount) else { throw ReadingBatchFormatError("bad reject row") }
        guard let received = try rows.field(), received.count == 8 else { throw ReadingBatchFormatError("bad reject time") }
        let topic = try rows.field()
        let payload = try rows.field()
        guard let reason = try rows.field(), let detail = try rows.field() else { throw ReadingBatchFormatError("bad reject row") }
        appendRestoredReject(
            receivedPostgresMicros: CopyRowReader.bigEndian(received, at: 0, as: Int64.self),
            topic: topic, payload: payload, reason: reason, detail: detail
        )
    }

    private func uuid(_ field: UnsafeRawBufferPointer) -> (UInt64, UInt64) {
        (CopyRowReader.bigEndian(field, at: 0), CopyRowReader.bigEndian(field, at: 8))
    }

    private func rowBytes(_ encoder: BinaryCopyEncoder, first: Int?, sealed: Bool) -> ArraySlice<UInt8> {
        guard let first else { return [] }
        return encoder.bytes[first..<(encoder.count - (sealed ? 2 : 0))]
    }

    private func append<T: FixedWidthInteger>(_ value: T, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { out.append(contentsOf: $0) }
    }
}
