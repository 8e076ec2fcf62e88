/// The on-disk framing of one spool record, and the scan that validates a segment at start-up.
///
/// Layout, little-endian: `magic u32 | length u32 | crc32c u32 | payload (length bytes)`. The CRC
/// covers the length field and the payload, so a damaged length is caught too. The magic says
/// whether the record is still to be written (`live`) or already written to the database
/// (`consumed`): consuming a record rewrites those 4 bytes in place, which a sector write makes
/// atomic, so the consumed position survives a restart without a separate file.
enum SpoolFrame {
    static let headerSize = 12
    /// "MSP1"
    static let live: UInt32 = 0x3150_534D
    /// "MSP0"
    static let consumed: UInt32 = 0x3050_534D

    static func header(magic: UInt32, payload: UnsafeRawBufferPointer) -> [UInt8] {
        let length = UInt32(payload.count)
        var header = [UInt8]()
        header.reserveCapacity(headerSize)
        append(magic, to: &header)
        append(length, to: &header)
        append(checksum(length: length, payload: payload), to: &header)
        return header
    }

    static func checksum(length: UInt32, payload: UnsafeRawBufferPointer) -> UInt32 {
        var littleEndian = length.littleEndian
        let lengthCRC = withUnsafeBytes(of: &littleEndian) { CRC32C.checksum($0) }
        return CRC32C.checksum(payload, continuing: lengthCRC)
    }

    static func append(_ value: UInt32, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    static func readUInt32(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> UInt32 {
        UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    /// Whether a complete, intact record (live or consumed) starts at `offset`.
    static func isIntactRecord(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Bool {
        guard bytes.count - offset >= headerSize else { return false }
        let magic = readUInt32(bytes, at: offset)
        guard magic == live || magic == consumed else { return false }
        let length = Int(readUInt32(bytes, at: offset + 4))
        guard length <= bytes.count - offset - headerSize else { return false }
        let payload = UnsafeRawBufferPointer(rebasing: bytes[(offset + headerSize)..<(offset + headerSize + length)])
        return checksum(length: UInt32(length), payload: payload) == readUInt32(bytes, at: offset + 8)
    }
}

/// What a segment holds, found by reading it whole at start-up.
struct SegmentScan: Equatable {
    enum Outcome: Equatable {
        case clean
        /// The last append did not complete (a crash mid-write): everything from `offset` on is to be cut off.
        case tornTail(offset: Int)
        /// A record in the middle is damaged; `offset` is where, `reason` what.
        case corrupt(offset: Int, reason: String)
    }

    var liveRecords = 0
    var liveBytes = 0
    /// Where the first live record starts; nil when every record is consumed.
    var firstLiveOffset: Int?
    /// The end of the last intact record.
    var validEnd = 0
    var outcome = Outcome.clean

    /// Validates every record of a segment.
    ///
    /// Only the newest segment can have a torn tail: appends are fsync'd one after another, so a crash
    /// can damage only the last record of the last segment. A damaged record counts as torn when no
    /// intact record follows it; anywhere else, damage is corruption, never quietly cut away.
    static func scan(_ bytes: UnsafeRawBufferPointer, isNewest: Bool) -> SegmentScan {
        var result = SegmentScan()
        var offset = 0
        while offset < bytes.count {
            if SpoolFrame.isIntactRecord(bytes, at: offset) {
                let length = Int(SpoolFrame.readUInt32(bytes, at: offset + 4))
                if SpoolFrame.readUInt32(bytes, at: offset) == SpoolFrame.live {
                    result.liveRecords += 1
                    result.liveBytes += SpoolFrame.headerSize + length
                    if result.firstLiveOffset == nil { result.firstLiveOffset = offset }
                }
                offset += SpoolFrame.headerSize + length
                result.validEnd = offset
                continue
            }
            if isNewest, !hasIntactRecord(bytes, after: offset) {
                result.outcome = .tornTail(offset: offset)
            } else {
                result.outcome = .corrupt(offset: offset, reason: describeDamage(bytes, at: offset))
            }
            return result
        }
        return result
    }

    private static func hasIntactRecord(_ bytes: UnsafeRawBufferPointer, after offset: Int) -> Bool {
        var candidate = offset + 1
        while candidate + SpoolFrame.headerSize <= bytes.count {
            let magic = SpoolFrame.readUInt32(bytes, at: candidate)
            if (magic == SpoolFrame.live || magic == SpoolFrame.consumed), SpoolFrame.isIntactRecord(bytes, at: candidate) {
                return true
            }
            candidate += 1
        }
        return false
    }

    private static func describeDamage(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> String {
        guard bytes.count - offset >= SpoolFrame.headerSize else { return "segment ends inside a record header" }
        let magic = SpoolFrame.readUInt32(bytes, at: offset)
        guard magic == SpoolFrame.live || magic == SpoolFrame.consumed else { return "no record marker" }
        let length = Int(SpoolFrame.readUInt32(bytes, at: offset + 4))
        guard length <= bytes.count - offset - SpoolFrame.headerSize else {
            return "record length \(length) runs past the end of the segment"
        }
        return "checksum mismatch"
    }
}
