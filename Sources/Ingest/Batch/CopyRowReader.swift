/// Reads back rows of a binary COPY stream that `ReadingBatch` wrote (spool replay, reject rendering).
///
/// Every length is checked against the buffer, so a corrupt or truncated spool file is an error,
/// never an out-of-bounds read.
struct CopyRowReader {
    let bytes: UnsafeRawBufferPointer
    var offset: Int

    init(_ bytes: UnsafeRawBufferPointer, offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    var isAtEnd: Bool { offset >= bytes.count }

    mutating func integer<T: FixedWidthInteger>(_: T.Type = T.self) throws(ReadingBatchFormatError) -> T {
        let size = MemoryLayout<T>.size
        guard offset + size <= bytes.count else { throw ReadingBatchFormatError("truncated at byte \(offset)") }
        var value: T = 0
        for i in 0..<size { value = value << 8 | T(bytes[offset + i]) }
        offset += size
        return value
    }

    /// A field's bytes (nil for NULL).
    mutating func field() throws(ReadingBatchFormatError) -> UnsafeRawBufferPointer? {
        let length = Int(try integer(Int32.self))
        if length == -1 { return nil }
        guard length >= 0, offset + length <= bytes.count else { throw ReadingBatchFormatError("bad field length \(length) at byte \(offset)") }
        defer { offset += length }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + length)])
    }

    mutating func raw(_ count: Int) throws(ReadingBatchFormatError) -> UnsafeRawBufferPointer {
        guard count >= 0, offset + count <= bytes.count else { throw ReadingBatchFormatError("truncated at byte \(offset)") }
        defer { offset += count }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)])
    }

    static func bigEndian<T: FixedWidthInteger>(_ field: UnsafeRawBufferPointer, at index: Int, as: T.Type = T.self) -> T {
        var value: T = 0
        for i in 0..<MemoryLayout<T>.size { value = value << 8 | T(field[index + i]) }
        return value
    }

    /// A binary numeric (as `BinaryCopyEncoder.writeNumeric(scaled:)` writes it) back to value × 10⁴.
    static func scaledNumeric(_ field: UnsafeRawBufferPointer) throws(ReadingBatchFormatError) -> Int64 {
        guard field.count >= 8 else { throw ReadingBatchFormatError("numeric too short") }
        let ndigits = Int(bigEndian(field, at: 0, as: Int16.self))
        let weight = Int(bigEndian(field, at: 2, as: Int16.self))
        let sign = bigEndian(field, at: 4, as: UInt16.self)
        guard ndigits >= 0, field.count == 8 + 2 * ndigits, sign == 0 || sign == 0x4000 else {
            throw ReadingBatchFormatError("not a finite numeric")
        }
        var magnitude: Int64 = 0
        // digit i has weight (weight − i); in units of 10⁻⁴ that is 10000^(weight − i + 1).
        for i in 0..<ndigits {
            let digit = Int64(bigEndian(field, at: 8 + 2 * i, as: UInt16.self))
            let power = weight - i + 1
            guard power >= 0 else { continue }  // finer than 10⁻⁴: not written by the encoder
            var term = digit
            for _ in 0..<power {
                let (product, overflow) = term.multipliedReportingOverflow(by: 10_000)
                guard !overflow else { throw ReadingBatchFormatError("numeric out of range") }
                term = product
            }
            magnitude += term
        }
        return sign == 0x4000 ? -magnitude : magnitude
    }
}

/// A serialized batch that cannot be read back (corrupt or truncated spool file, other format version).
public struct ReadingBatchFormatError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "unreadable serialized batch: \(message)" }
}
