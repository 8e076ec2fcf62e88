import Foundation

/// Builds a PostgreSQL binary COPY stream (`COPY ... FROM STDIN (FORMAT binary)`) in one reusable buffer.
///
/// Layout: header `PGCOPY\n\377\r\n\0`, int32 flags 0, int32 extension length 0; per row an
/// int16 field count, then per field an int32 length (-1 for NULL) and the value big-endian;
/// trailer int16 -1. Writers append straight into the buffer — no allocation per field — and
/// `reset()` keeps the capacity, so a writer reuses one encoder for every batch.
/// The caller writes exactly the columns the COPY statement names, in order; the server checks
/// the field count of every row and rejects a mismatch.
public struct BinaryCopyEncoder: Sendable {
    static let signature: [UInt8] = [0x50, 0x47, 0x43, 0x4F, 0x50, 0x59, 0x0A, 0xFF, 0x0D, 0x0A, 0x00]
    /// Header size: signature, flags, extension length.
    public static let headerSize = 19

    public private(set) var bytes: [UInt8]
    /// Rows begun since the last `reset()`.
    public private(set) var rowCount = 0
    /// Whether the trailer has been written (then no more rows may be added until `reset()`).
    public private(set) var isFinished = false

    public init(reservingCapacity capacity: Int = 1 << 20) {
        bytes = []
        bytes.reserveCapacity(capacity)
        writeHeader()
    }

    /// Empties the buffer (keeping its capacity) and writes a fresh header.
    public mutating func reset() {
        bytes.removeAll(keepingCapacity: true)
        rowCount = 0
        isFinished = false
        writeHeader()
    }

    /// Appends the trailer; idempotent. `copyIn(_:_: inout BinaryCopyEncoder)` calls it for you.
    public mutating func finish() {
        guard !isFinished else { return }
        appendInteger(Int16(-1))
        isFinished = true
    }

    /// Bytes of COPY data so far.
    public var count: Int { bytes.count }

    public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        // Array.withUnsafeBytes only rethrows untyped errors; go through the contiguous storage directly.
        let result: Result<R, E> = bytes.withUnsafeBytes { buffer in
            do throws(E) { return .success(try body(buffer)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    private mutating func writeHeader() {
        bytes.append(contentsOf: Self.signature)
        appendInteger(Int32(0))  // flags: no OIDs
        appendInteger(Int32(0))  // header extension length
    }

    // MARK: Rows and fields

    /// Starts a row of `fieldCount` fields.
    public mutating func beginRow(fieldCount: Int) {
        precondition(!isFinished, "BinaryCopyEncoder: beginRow after finish(); call reset() first")
        appendInteger(Int16(truncatingIfNeeded: fieldCount))
        rowCount += 1
    }

    public mutating func writeNull() {
        appendInteger(Int32(-1))
    }

    /// uuid from its two big-endian halves (the first 8 bytes are `high`).
    public mutating func writeUUID(high: UInt64, low: UInt64) {
        appendInteger(Int32(16))
        appendInteger(high)
        appendInteger(low)
    }

    /// uuid from a `(UInt64, UInt64)` pair (high, low).
    public mutating func writeUUID(_ halves: (UInt64, UInt64)) {
        writeUUID(high: halves.0, low: halves.1)
    }

    /// uuid from 16 bytes in network order (Foundation's `uuid_t` layout).
    public mutating func writeUUID(bytes uuid: uuid_t) {
        appendInteger(Int32(16))
        Swift.withUnsafeBytes(of: uuid) { bytes.append(contentsOf: $0) }
    }

    /// uuid from 16 bytes in network order; the collection must hold exactly 16.
    public mutating func writeUUID(bytes uuid: some Collection<UInt8>) {
        precondition(uuid.count == 16, "a uuid has 16 bytes, got \(uuid.count)")
        appendInteger(Int32(16))
        bytes.append(contentsOf: uuid)
    }

    public mutating func writeUUID(_ uuid: UUID) {
        writeUUID(bytes: uuid.uuid)
    }

    /// numeric from a value scaled by 10^4 (DECIMAL(15,4): 12.5 is 125_000), with display scale 4.
    public mutating func writeNumeric(scaled value: Int64) {
        NumericEncoding.write(scaled: value, scale: 4, into: &bytes)
    }

    /// numeric from a Double, rounded to 4 decimal places. NaN becomes numeric NaN; infinities and
    /// values beyond ±922 337 203 685 477 become ±Infinity, which DECIMAL(15,4) rejects with a clear server error.
    public mutating func writeNumeric(_ value: Double) {
        if let scaled = NumericEncoding.scaled(value) {
            writeNumeric(scaled: scaled)
        } else {
            NumericEncoding.writeSpecial(value.isNaN ? NumericEncoding.nan : (value < 0 ? NumericEncoding.negativeInfinity : NumericEncoding.positiveInfinity), into: &bytes)
        }
    }

    /// text / varchar from a string's UTF-8 bytes.
    public mutating func writeText(_ value: String) {
        var value = value
        value.withUTF8 { writeText(utf8: UnsafeRawBufferPointer($0)) }
    }

    /// text / varchar from UTF-8 bytes (the server validates the encoding).
    public mutating func writeText(utf8: UnsafeRawBufferPointer) {
        appendInteger(Int32(utf8.count))
        bytes.append(contentsOf: utf8)
    }

    /// jsonb from JSON text: version byte 1, then the text (the server parses and validates it).
    public mutating func writeJSONB(_ json: String) {
        var json = json
        json.withUTF8 { writeJSONB(utf8: UnsafeRawBufferPointer($0)) }
    }

    public mutating func writeJSONB(utf8: UnsafeRawBufferPointer) {
        appendInteger(Int32(utf8.count + 1))
        bytes.append(1)
        bytes.append(contentsOf: utf8)
    }

    /// timestamp (without time zone) from microseconds since 2000-01-01 00:00:00, PostgreSQL's epoch.
    public mutating func writeTimestamp(postgresMicroseconds: Int64) {
        appendInteger(Int32(8))
        appendInteger(postgresMicroseconds)
    }

    /// timestamp (without time zone) from microseconds since 1970-01-01 00:00:00 (the value is stored as that wall-clock time).
    public mutating func writeTimestamp(unixMicroseconds: Int64) {
        writeTimestamp(postgresMicroseconds: Self.postgresMicroseconds(unixMicroseconds: unixMicroseconds))
    }

    /// Microseconds between 1970-01-01 and 2000-01-01.
    public static let postgresEpochOffsetMicroseconds: Int64 = 946_684_800_000_000

    /// Converts Unix-epoch microseconds to PostgreSQL-epoch microseconds.
    @inlinable
    public static func postgresMicroseconds(unixMicroseconds: Int64) -> Int64 {
        unixMicroseconds - postgresEpochOffsetMicroseconds
    }

    public mutating func writeInt16(_ value: Int16) {
        appendInteger(Int32(2))
        appendInteger(value)
    }

    /// int4 / integer.
    public mutating func writeInt32(_ value: Int32) {
        appendInteger(Int32(4))
        appendInteger(value)
    }

    /// int8 / bigint.
    public mutating func writeInt64(_ value: Int64) {
        appendInteger(Int32(8))
        appendInteger(value)
    }

    /// float8 / double precision.
    public mutating func writeFloat64(_ value: Double) {
        appendInteger(Int32(8))
        appendInteger(value.bitPattern)
    }

    public mutating func writeBool(_ value: Bool) {
        appendInteger(Int32(1))
        bytes.append(value ? 1 : 0)
    }

    @inline(__always)
    mutating func appendInteger<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }
}
