import Foundation
import Logging

/// Durable overflow for prepared batches while PostgreSQL is unreachable or failing: append-only
/// segment files in `ingest.spool_dir`, written back in order when the database returns.
///
/// Guarantees:
/// - `append` returns true only after the record is on stable storage (fdatasync); a crash after
///   that never loses it. It returns false when the record would exceed `maxBytes` on disk: the
///   spool never drops or overwrites anything; the caller holds its data (and so back-pressures
///   the broker) until `removeOldest` frees space.
/// - Records come back from `oldest` in append order, across restarts.
/// - `removeOldest` durably marks the record written (its magic is rewritten in place), so a
///   restart does not replay it. A crash between the database commit and that mark replays at
///   most that one batch, which is harmless: the writer's rows are idempotent (contract §4).
/// - Start-up validates every record: a torn last record (a crash mid-append) is cut off and
///   logged; damage anywhere else moves that segment aside as `*.corrupt`, logged as an error and
///   listed in ``recoveryIssues``, never silently dropped nor replayed.
///
/// Threading: one owner at a time (the writer thread); no method is thread-safe. It is
/// `@unchecked Sendable` only so the owner can be handed to that thread. An exclusive `flock` on
/// `spool.lock` keeps a second process (a second instance with the same `spool_dir`) out.
public final class Spool: @unchecked Sendable {
    public let directory: String
    /// The most the segment files may occupy on disk.
    public let maxBytes: Int
    /// A new segment is started once the current one reaches this size.
    public let segmentBytes: Int
    /// What start-up found wrong and did about it (empty after a clean shutdown).
    public private(set) var recoveryIssues: [SpoolRecoveryIssue] = []
    /// Live (not yet removed) records.
    public private(set) var count = 0
    /// Bytes the segment files occupy on disk (what `maxBytes` bounds), framing included.
    public private(set) var bytes = 0
    /// Data syncs performed (appends, removals, truncations): a metric, and a test seam.
    public private(set) var syncCount = 0

    public var isEmpty: Bool { count == 0 }

    private let logger: Logger
    private var lock: SpoolFile?
    /// Oldest first; the last one takes appends.
    private var segments: [Segment] = []
    /// Offset of the oldest live record in `segments[0]`.
    private var headOffset = 0
    private var cachedOldest: SpoolRecord?
    /// Above every sequence ever seen in the directory (`*.corrupt` included), so no name is reused.
    private var nextSequence: UInt64 = 1

    static let segmentExtension = ".spool"
    static let lockName = "spool.lock"

    struct Segment {
        let sequence: UInt64
        let path: String
        var size: Int
        var file: SpoolFile?
    }

    /// Opens (creating if needed) the spool in `directory`, validating and recovering what is there.
    ///
    /// - Parameters:
    ///   - maxBytes: `ingest.spool_max_mb` in bytes.
    ///   - segmentBytes: the rotation size (capped at a quarter of `maxBytes`, so that space held by
    ///     a partly consumed segment cannot use up most of the capacity).
    /// - Throws: ``SpoolError`` `.locked` when another process uses the directory, `.io` when it cannot
    ///   be created, read or repaired.
    public init(
        directory: String, maxBytes: Int, segmentBytes: Int = 16 << 20,
        logger: Logger = Logger(label: "mash.spool")
    ) throws(SpoolError) {
        self.directory = directory
        self.maxBytes = maxBytes
        self.segmentBytes = max(1, min(segmentBytes, maxBytes / 4))
        self.logger = logger
        try SpoolSystem.makeDirectory(directory)
        let lock = try SpoolFile(path: "\(directory)/\(Self.lockName)", .openOrCreate)
        // A lock this process just released can stay held for a moment by a child that was forked
        // but has not exec'd yet (it shares the descriptor until exec): retry briefly before
        // calling it another instance's.
        var locked = try lock.tryLock()
        for _ in 0..<20 where !locked {
            usleep(50_000)
            locked = try lock.tryLock()
        }
        guard locked else {
            throw SpoolError(.locked, message: "another process is using this spool directory (is a second instance configured with the same ingest.spool_dir?)", path: directory, operation: "lock")
        }
        self.lock = lock
        try recover()
    }

    /// Releases the files and the directory lock; the spool is unusable afterwards.
    public func close() {
        segments = []
        lock = nil
        cachedOldest = nil
    }

    // MARK: Appending

    /// Appends one record and makes it durable before returning true; false when it does not fit now.
    ///
    /// - Throws: `.recordTooLarge` when it could never fit (larger than `maxBytes` on its own); `.io`
    ///   when the write or sync fails (the partial write is cut off again, so the spool stays valid).
    public func append(_ record: UnsafeRawBufferPointer) throws(SpoolError) -> Bool {
        let framed = SpoolFrame.headerSize + record.count
        guard framed <= maxBytes, record.count <= Int(UInt32.max) else {
            throw SpoolError(.recordTooLarge, message: "a \(record.count)-byte record can never fit in a \(maxBytes)-byte spool", path: directory, operation: "append")
        }
        guard bytes + framed <= maxBytes else { return false }
        if segments.isEmpty || (segments[segments.count - 1].size > 0 && segments[segments.count - 1].size + framed > segmentBytes) {
            try startSegment()
        }
        let tail = segments.count - 1
        let file = try openFile(tail)
        let offset = segments[tail].size
        let header = SpoolFrame.header(magic: SpoolFrame.live, payload: record)
        do throws(SpoolError) {
            try header.withUnsafeBytes { header in Result { () throws(SpoolError) in try file.write(header, at: offset) } }.get()
            try file.write(record, at: offset + SpoolFrame.headerSize)
            try sync(file)
        } catch {
            // Leave no half record behind; if even that fails, start-up recovery cuts it off.
            try? file.truncate(to: offset)
            throw error
        }
        segments[tail].size += framed
        bytes += framed
        if count == 0 {
            // The only live record: the head moves to it (earlier segments were all consumed and deleted).
            headOffset = offset
        }
        count += 1
        return true
    }

    public func append(_ record: [UInt8]) throws(SpoolError) -> Bool {
        try record.withUnsafeBytes { record in Result { () throws(SpoolError) in try append(record) } }.get()
    }

    // MARK: Consuming

    /// The oldest live record, or nil when the spool is empty. Calling it again returns the same record.
    ///
    /// - Throws: `.corrupt` when the record no longer matches its checksum (the file was changed
    ///   behind the spool's back); `.io` on read errors.
    public func oldest() throws(SpoolError) -> SpoolRecord? {
        guard count > 0 else { return nil }
        if let cachedOldest { return cachedOldest }
        let file = try openFile(0)
        while true {
            let header = try file.read(at: headOffset, count: SpoolFrame.headerSize)
            let (magic, length, crc) = header.withUnsafeBytes {
                (SpoolFrame.readUInt32($0, at: 0), SpoolFrame.readUInt32($0, at: 4), SpoolFrame.readUInt32($0, at: 8))
            }
            if magic == SpoolFrame.consumed {
                headOffset += SpoolFrame.headerSize + Int(length)
                continue
            }
            guard magic == SpoolFrame.live else {
                throw SpoolError(.corrupt, message: "no record marker at offset \(headOffset)", path: segments[0].path, operation: "read")
            }
            let payload = try file.read(at: headOffset + SpoolFrame.headerSize, count: Int(length))
            guard payload.withUnsafeBytes({ SpoolFrame.checksum(length: length, payload: $0) }) == crc else {
                throw SpoolError(.corrupt, message: "checksum mismatch at offset \(headOffset)", path: segments[0].path, operation: "read")
            }
            let record = SpoolRecord(bytes: payload, position: SpoolPosition(segment: segments[0].sequence, offset: headOffset))
            cachedOldest = record
            return record
        }
    }

    /// Durably marks the oldest record written (call after its batch committed); deletes a segment
    /// once every record in it is.
    public func removeOldest() throws(SpoolError) {
        guard let record = try oldest() else { return }
        let file = try openFile(0)
        var marker = [UInt8]()
        SpoolFrame.append(SpoolFrame.consumed, to: &marker)
        try marker.withUnsafeBytes { marker in Result { () throws(SpoolError) in try file.write(marker, at: record.position.offset) } }.get()
        try sync(file)
        cachedOldest = nil
        count -= 1
        headOffset = record.position.offset + SpoolFrame.headerSize + record.bytes.count
        // Segments before the tail are complete: once the head passes the end of one, it is done.
        while !segments.isEmpty, headOffset >= segments[0].size, segments.count > 1 || count == 0 {
            try deleteSegment(0)
            headOffset = 0
        }
    }

    // MARK: Segments

    private func startSegment() throws(SpoolError) {
        let sequence = nextSequence
        nextSequence += 1
        let path = Self.path(directory, sequence)
        let file = try SpoolFile(path: path, .create)
        try SpoolSystem.syncDirectory(directory)
        syncCount += 1
        // Only the head and the tail are kept open.
        if segments.count > 1 { segments[segments.count - 1].file = nil }
        segments.append(Segment(sequence: sequence, path: path, size: 0, file: file))
    }

    private func deleteSegment(_ index: Int) throws(SpoolError) {
        let segment = segments.remove(at: index)
        bytes -= segment.size
        try SpoolSystem.unlink(segment.path)
        // Not synced: an unlink lost in a crash brings back a fully consumed segment, which recovery deletes.
    }

    private func openFile(_ index: Int) throws(SpoolError) -> SpoolFile {
        if let file = segments[index].file { return file }
        let file = try SpoolFile(path: segments[index].path, .open)
        segments[index].file = file
        return file
    }

    private func sync(_ file: SpoolFile) throws(SpoolError) {
        try file.sync()
        syncCount += 1
    }

    static func path(_ directory: String, _ sequence: UInt64) -> String {
        let digits = String(sequence)
        return "\(directory)/\(String(repeating: "0", count: max(0, 16 - digits.count)))\(digits)\(segmentExtension)"
    }

    static func sequence(ofFileName name: String) -> UInt64? {
        guard name.hasSuffix(segmentExtension) else { return nil }
        let stem = name.dropLast(segmentExtension.count)
        guard stem.count == 16, stem.allSatisfy(\.isASCII) else { return nil }
        return UInt64(stem)
    }

    /// The sequence of a segment or of a segment moved aside (`0000000000000007.spool.corrupt`).
    static func sequence(ofAnyName name: String) -> UInt64? {
        let stem = name.prefix(16)
        guard stem.count == 16, name.dropFirst(16).hasPrefix(segmentExtension), stem.allSatisfy(\.isASCII) else { return nil }
        return UInt64(stem)
    }

    // MARK: Recovery

    private func recover() throws(SpoolError) {
        let names = try SpoolSystem.fileNames(in: directory)
        let sequences = names.compactMap(Self.sequence(ofFileName:)).sorted()
        nextSequence = (names.compactMap(Self.sequence(ofAnyName:)).max() ?? 0) + 1
        var kept: [Segment] = []
        var firstLive: Int?
        for (position, sequence) in sequences.enumerated() {
            let path = Self.path(directory, sequence)
            let file = try SpoolFile(path: path, .open)
            let contents = try file.readAll()
            let scan = contents.withUnsafeBytes { SegmentScan.scan($0, isNewest: position == sequences.count - 1) }
            var size = contents.count
            switch scan.outcome {
            case .clean:
                break
            case .tornTail(let offset):
                try file.truncate(to: offset)
                try sync(file)
                size = offset
                recoveryIssues.append(.tornTailTruncated(segment: path, offset: offset, bytesRemoved: contents.count - offset))
                logger.warning("spool: cut off a torn last record (the previous run stopped mid-write)", metadata: [
                    "segment": "\(path)", "offset": "\(offset)", "bytes_removed": "\(contents.count - offset)",
                ])
            case .corrupt(let offset, let reason):
                var aside = path + ".corrupt"
                var attempt = 1
                while names.contains(String(aside.split(separator: "/").last ?? "")) {
                    aside = path + ".corrupt.\(attempt)"
                    attempt += 1
                }
                try SpoolSystem.rename(path, to: aside)
                try SpoolSystem.syncDirectory(directory)
                recoveryIssues.append(.corruptSegmentMovedAside(
                    segment: path, movedTo: aside, offset: offset, reason: reason, intactRecordsBefore: scan.liveRecords
                ))
                logger.error("spool: corrupt record; segment moved aside and NOT written to the database — inspect it", metadata: [
                    "segment": "\(path)", "moved_to": "\(aside)", "offset": "\(offset)", "reason": "\(reason)",
                    "live_records_before_damage": "\(scan.liveRecords)",
                ])
                continue
            }
            if scan.liveRecords == 0 {
                // Fully consumed (its deletion was lost in a crash) or empty: nothing to keep.
                try SpoolSystem.unlink(path)
                continue
            }
            if firstLive == nil { firstLive = scan.firstLiveOffset }
            kept.append(Segment(sequence: sequence, path: path, size: size, file: nil))
            count += scan.liveRecords
            bytes += size
        }
        segments = kept
        headOffset = firstLive ?? 0
        if count > 0 {
            logger.notice("spool: batches waiting from a previous run", metadata: [
                "records": "\(count)", "bytes": "\(bytes)", "segments": "\(segments.count)",
            ])
        }
    }
}

/// One spooled record: its bytes and where it lives (opaque; for logs and tests).
public struct SpoolRecord: Sendable, Hashable {
    public var bytes: [UInt8]
    public var position: SpoolPosition
}

/// Where a record lives in the spool; ordered like the records.
public struct SpoolPosition: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var segment: UInt64
    public var offset: Int
    public static func < (a: SpoolPosition, b: SpoolPosition) -> Bool { (a.segment, a.offset) < (b.segment, b.offset) }
    public var description: String { "\(segment):\(offset)" }
}

/// Something start-up recovery found and repaired.
public enum SpoolRecoveryIssue: Sendable, Equatable {
    /// The last record was incomplete (a crash mid-append, so never reported appended) and was cut off.
    case tornTailTruncated(segment: String, offset: Int, bytesRemoved: Int)
    /// A record was damaged; the whole segment was renamed and its records were not replayed.
    case corruptSegmentMovedAside(segment: String, movedTo: String, offset: Int, reason: String, intactRecordsBefore: Int)
}
