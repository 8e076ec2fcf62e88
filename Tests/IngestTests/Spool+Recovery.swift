import Foundation
@testable import Ingest
import Testing

@Suite("Spool: recovery after crashes and damage")
struct SpoolRecoveryTests {
    func fileSize(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? -1
    }

    @Test func aTornLastRecordIsCutOffAtEveryByteOffset() throws {
        let base = try makeSpoolDirectory()
        let records = (0..<3).map { spoolRecord($0, size: 40) }
        for cut in 1..<(12 + 40) {
            let directory = "\(base)/cut\(cut)"
            let spool = try Spool(directory: directory, maxBytes: 1 << 20)
            for record in records { #expect(try spool.append(record)) }
            spool.close()
            let segment = try #require(try segmentFiles(directory).first)
            let full = try fileSize(segment)
            #expect(truncate(segment, off_t(full - cut)) == 0)

            let recovered = try Spool(directory: directory, maxBytes: 1 << 20)
            #expect(recovered.recoveryIssues == [.tornTailTruncated(segment: segment, offset: 2 * 52, bytesRemoved: 52 - cut)], "cut \(cut)")
            #expect(try fileSize(segment) == 2 * 52)
            #expect(recovered.count == 2)
            #expect(try recovered.append(spoolRecord(7, size: 40)))
            #expect(try drain(recovered) == [records[0], records[1], spoolRecord(7, size: 40)], "cut \(cut)")
        }
    }

    @Test func aZeroFilledTailIsTorn() throws {
        // A crash after the file grew but before the data reached the disk leaves zeros.
        let directory = try makeSpoolDirectory()
        let spool = try Spool(directory: directory, maxBytes: 1 << 20)
        #expect(try spool.append(spoolRecord(0)))
        spool.close()
        let segment = try #require(try segmentFiles(directory).first)
        let handle = try #require(FileHandle(forWritingAtPath: segment))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(count: 300))
        try handle.close()
        let recovered = try Spool(directory: directory, maxBytes: 1 << 20)
        #expect(recovered.recoveryIssues == [.tornTailTruncated(segment: segment, offset: 112, bytesRemoved: 300)])
        #expect(try drain(recovered) == [spoolRecord(0)])
    }

    @Test func aCorruptMiddleRecordMovesItsSegmentAsideAndKeepsTheRest() throws {
        let directory = try makeSpoolDirectory()
        let spool = try Spool(directory: directory, maxBytes: 1 << 20, segmentBytes: 600)
        for index in 0..<15 { #expect(try spool.append(spoolRecord(index))) }  // 5 records of 112 bytes per segment
        spool.close()
        let segments = try segmentFiles(directory)
        #expect(segments.count == 3)
        // Flip one payload byte of the second record of the middle segment.
        let handle = try #require(FileHandle(forUpdatingAtPath: segments[1]))
        try handle.seek(toOffset: 112 + 12 + 50)
        let byte = try #require(try handle.read(upToCount: 1)?.first)
        try handle.seek(toOffset: 112 + 12 + 50)
        try handle.write(contentsOf: Data([byte ^ 0x01]))
        try handle.close()

        let recovered = try Spool(directory: directory, maxBytes: 1 << 20, segmentBytes: 600)
        #expect(recovered.recoveryIssues == [.corruptSegmentMovedAside(
            segment: segments[1], movedTo: segments[1] + ".corrupt", offset: 112, reason: "checksum mismatch", intactRecordsBefore: 1
        )])
        #expect(FileManager.default.fileExists(atPath: segments[1] + ".corrupt"))
        #expect(recovered.count == 10)
        #expect(try recovered.append(spoolRecord(15)))
        #expect(try drain(recovered) == ((0..<5).map { spoolRecord($0) } + (10..<16).map { spoolRecord($0) }))
        #expect(try segmentFiles(directory).isEmpty)
        #expect(FileManager.default.fileExists(atPath: segments[1] + ".corrupt"), "the evidence stays")
    }

    @Test func damageInTheLastSegmentFollowedByIntactRecordsIsCorruptionNotATornTail() throws {
        let directory = try makeSpoolDirectory()
        let spool = try Spool(directory: directory, maxBytes: 1 << 20)
        for index in 0..<3 { #expect(try spool.append(spoolRecord(index))) }
        spool.close()
        let segment = try #require(try segmentFiles(directory).first)
        let handle = try #require(FileHandle(forUpdatingAtPath: segment))
        try handle.seek(toOffset: 112 + 4)  // the second record's length
        try handle.write(contentsOf: Data([0xFF, 0xFF, 0x00, 0x00]))
        try handle.close()

        let recovered = try Spool(directory: directory, maxBytes: 1 << 20)
        guard case .corruptSegmentMovedAside(_, _, let offset, _, let before)? = recovered.recoveryIssues.first else {
            Issue.record("expected the segment to be moved aside, got \(recovered.recoveryIssues)")
            return
        }
        #expect(offset == 112)
        #expect(before == 1)
        #expect(recovered.isEmpty)
    }

    @Test func aLostUnlinkOfAConsumedSegmentIsCleanedUp() throws {
        let directory = try makeSpoolDirectory()
        let spool = try Spool(directory: directory, maxBytes: 1 << 20, segmentBytes: 600)
        for index in 0..<8 { #expect(try spool.append(spoolRecord(index))) }
        let first = try #require(try segmentFiles(directory).first)
        let copy = try Data(contentsOf: URL(fileURLWithPath: first))
        for _ in 0..<5 { try spool.removeOldest() }
        spool.close()
        // Put the consumed first segment back, as if its deletion had not reached the disk: all records marked consumed.
        #expect(!FileManager.default.fileExists(atPath: first))
        var consumed = copy
        for record in 0..<5 { consumed[record * 112 + 3] = UInt8(ascii: "0") }
        try consumed.write(to: URL(fileURLWithPath: first))

        let recovered = try Spool(directory: directory, maxBytes: 1 << 20, segmentBytes: 600)
        #expect(recovered.recoveryIssues.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: first))
        #expect(try drain(recovered) == (5..<8).map { spoolRecord($0) })
    }

    @Test func scanClassifiesSegments() {
        func frame(_ payload: [UInt8], consumed: Bool = false) -> [UInt8] {
            payload.withUnsafeBytes { SpoolFrame.header(magic: consumed ? SpoolFrame.consumed : SpoolFrame.live, payload: $0) } + payload
        }
        let bytes = frame([1, 2, 3], consumed: true) + frame([4, 5]) + frame([])
        let scan = bytes.withUnsafeBytes { SegmentScan.scan($0, isNewest: false) }
        #expect(scan == SegmentScan(liveRecords: 2, liveBytes: 14 + 12, firstLiveOffset: 15, validEnd: bytes.count, outcome: .clean))
        let torn = Array(bytes.dropLast(1)) + [0]
        #expect(torn.withUnsafeBytes { SegmentScan.scan($0, isNewest: true) }.outcome == .tornTail(offset: 29))
        #expect(torn.withUnsafeBytes { SegmentScan.scan($0, isNewest: false) }.outcome == .corrupt(offset: 29, reason: "checksum mismatch"))
        let short = Array(bytes.dropLast(5))
        #expect(short.withUnsafeBytes { SegmentScan.scan($0, isNewest: false) }.outcome == .corrupt(offset: 29, reason: "segment ends inside a record header"))
    }
}
