/// Byte layout of a ring file and of its records; the one place that knows offsets.
///
/// File: a 4096-byte header page, then `capacity` bytes of records. Native byte order: the file
/// never leaves the machine that wrote it.
///
/// Header page (head and tail on their own 128-byte blocks so the producer's and the consumer's
/// stores do not share a cache line, adjacent-line prefetch included):
///
///     0    magic       UInt64  "MASHRING" on little-endian hosts
///     8    version     UInt32
///     12   headerSize  UInt32  4096
///     16   capacity    UInt64  bytes in the data area
///     128  head        UInt64  bytes ever produced (monotonic position)
///     136  headRecords UInt64  records ever produced (statistics only)
///     256  tail        UInt64  bytes ever released by the consumer
///     264  tailRecords UInt64  records ever released
///
/// Record at data offset `position % capacity`, 8-byte aligned, `length` bytes in all:
///
///     0    length        UInt32  header + topic + payload rounded up to 8; UInt32.max = wrap marker
///     4    stamp         UInt32  low 32 bits of the record's position (detects stale pages)
///     8    kind          UInt8
///     9    flags         UInt8
///     10   topicLength   UInt16
///     12   payloadLength UInt32
///     16   receivedAt    Int64   microseconds since the Unix epoch
///     24   checksum      UInt32  over bytes 0..<24 and the padded body
///     28   reserved      UInt32  0
///     32   topic bytes, payload bytes, zero padding to 8
///
/// A wrap marker is 8 bytes (length, stamp); the consumer skips from it to offset 0.
enum RingLayout {
    static let magic: UInt64 = 0x474E_4952_4853_414D  // "MASHRING" read as little-endian bytes
    static let version: UInt32 = 1
    static let headerSize = 4096

    static let magicOffset = 0
    static let versionOffset = 8
    static let headerSizeOffset = 12
    static let capacityOffset = 16
    static let headOffset = 128
    static let headRecordsOffset = 136
    static let tailOffset = 256
    static let tailRecordsOffset = 264

    static let recordHeaderSize = 32
    static let wrapMarker = UInt32.max

    /// Smallest data area accepted: room for a few small records, which tests use to force wrap-around.
    static let minimumCapacity = 256
    /// Largest data area: a record's length must fit its UInt32 field.
    static let maximumCapacity = 1 << 34

    @inline(__always)
    static func align8(_ n: Int) -> Int { (n &+ 7) & ~7 }

    /// The largest record a ring of `capacity` takes: a quarter, so a record plus the wasted tail
    /// before a wrap always fits in an empty ring and the producer cannot wait forever.
    @inline(__always)
    static func maxRecordSize(capacity: Int) -> Int { (capacity / 4) & ~7 }

    static func validate(capacity: Int, path: String?) throws(RingError) {
        guard capacity % 8 == 0, capacity >= minimumCapacity, capacity <= maximumCapacity else {
            throw RingError(
                code: .invalidCapacity,
                path: path,
                detail: "capacity \(capacity) must be a multiple of 8 between \(minimumCapacity) and \(maximumCapacity)"
            )
        }
    }

    /// Checksum of a record in place: header bytes 0..<24 and the zero-padded body, as 64-bit words.
    ///
    /// Written by the producer always, checked only when a file is reopened: it catches records
    /// whose pages did not reach the disk before a power cut (head may be persisted ahead of the
    /// data it covers, since the kernel writes dirty pages back in any order). A rotate after each
    /// multiply keeps a difference in a high bit from cancelling with one in a later word.
    @inline(__always)
    static func checksum(record: UnsafeRawPointer, length: Int) -> UInt32 {
        let k: UInt64 = 0x9E37_79B9_7F4A_7C15
        var h: UInt64 = 0x243F_6A88_85A3_08D3
        @inline(__always) func mix(_ w: UInt64) {
            let m = (h ^ w) &* k
            h = (m << 29) | (m >> 35)
        }
        mix(record.load(as: UInt64.self))
        mix(record.load(fromByteOffset: 8, as: UInt64.self))
        mix(record.load(fromByteOffset: 16, as: UInt64.self))
        var offset = recordHeaderSize
        while offset < length {
            mix(record.load(fromByteOffset: offset, as: UInt64.self))
            offset &+= 8
        }
        h ^= h >> 33
        h = h &* 0xFF51_AFD7_ED55_8CCD
        h ^= h >> 33
        return UInt32(truncatingIfNeeded: h)
    }
}
