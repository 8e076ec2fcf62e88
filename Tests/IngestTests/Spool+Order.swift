import Foundation
@testable import Ingest
import Testing

@Suite("Spool: order, rotation and reopening")
struct SpoolOrderTests {
    @Test func recordsComeBackInOrderAcrossSegments() throws {
        let directory = try makeSpoolDirectory()
        let spool = try Spool(directory: directory, maxBytes: 1 << 20, segmentBytes: 1000)
        #expect(spool.isEmpty)
        #expect(try spool.oldest() == nil)
        let records = (0..<50).map { spoolRecord($0, size: 10 + $0 * 7) } + [[]]
        for record in records { #expect(try spool.append(record)) }
        #expect(spool.count == records.count)
        #expect(spool.bytes == records.reduce(0) { $0 + 12 + $1.count })
        #expect(try segmentFiles(directory).count > 5, "segments rotate at ~1000 bytes")
        #expect(try spool.oldest() == spool.oldest(), "oldest is stable until removed")
        #expect(try drain(spool) == records)
        #expect(spool.isEmpty)
        #expect(spool.bytes == 0)
        #expect(try segmentFiles(directory).isEmpty, "consumed segments are deleted")
        // Appending after draining starts a fresh segment.
        #expect(try spool.append(spoolRecord(99)))
        #expect(try spool.oldest()?.bytes == spoolRecord(99))
    }

    @Test func interleavedAppendsAndRemovalsKeepOrder() throws {
        let spool = try Spool(directory: try makeSpoolDirectory(), maxBytes: 1 << 20, segmentBytes: 500)
        var expected: [[UInt8]] = []
        var taken: [[UInt8]] = []
        for index in 0..<200 {
            #expect(try spool.append(spoolRecord(index, size: 30 + index % 50)))
            expected.append(spoolRecord(index, size: 30 + index % 50))
            if index % 3 == 0, let record = try spool.oldest() {
                taken.append(record.bytes)
                try spool.removeOldest()
            }
        }
        taken += try drain(spool)
        #expect(taken == expected)
    }

    @Test func reopeningContinuesWithoutReplayingRemovedRecords() throws {
        let directory = try makeSpoolDirectory()
        var spool: Spool? = try Spool(directory: directory, maxBytes: 1 << 20, segmentBytes: 1000)
        for index in 0..<40 { #expect(try spool!.append(spoolRecord(index))) }
        for _ in 0..<15 { try spool!.removeOldest() }  // into the second segment
        spool!.close()
        spool = nil

        let reopened = try Spool(directory: directory, maxBytes: 1 << 20, segmentBytes: 1000)
        #expect(reopened.recoveryIssues.isEmpty)
        #expect(reopened.count == 25)
        #expect(try reopened.oldest()?.bytes == spoolRecord(15))
        for index in 40..<45 { #expect(try reopened.append(spoolRecord(index))) }
        #expect(try drain(reopened) == (15..<45).map { spoolRecord($0) })
    }

    @Test func aSecondInstanceCannotOpenTheSameDirectory() throws {
        let directory = try makeSpoolDirectory()
        let first = try Spool(directory: directory, maxBytes: 1 << 20)
        #expect { try Spool(directory: directory, maxBytes: 1 << 20) } throws: { ($0 as? SpoolError)?.code == .locked }
        first.close()
        _ = try Spool(directory: directory, maxBytes: 1 << 20)
    }

    @Test func createsItsDirectory() throws {
        let directory = try makeSpoolDirectory() + "/nested/spool"
        let spool = try Spool(directory: directory, maxBytes: 1 << 20)
        #expect(try spool.append([1, 2, 3]))
        #expect(FileManager.default.fileExists(atPath: directory + "/spool.lock"))
    }
}

@Suite("Spool: capacity and durability")
struct SpoolCapacityTests {
    @Test func fullReportsFalseNeverDropsAndRemovalMakesRoom() throws {
        // 4 segments of 1,000 bytes; records of 12 + 188 = 200 bytes: 5 per segment, 20 in all.
        let spool = try Spool(directory: try makeSpoolDirectory(), maxBytes: 4000, segmentBytes: 1000)
        var appended = 0
        while try spool.append(spoolRecord(appended, size: 188)) { appended += 1 }
        #expect(appended == 20)
        #expect(spool.bytes == 4000)
        #expect(try spool.append(spoolRecord(99, size: 188)) == false)
        #expect(spool.count == 20, "a refused append changes nothing")
        // Removing one record of a segment frees no disk; removing its last one deletes the segment.
        try spool.removeOldest()
        #expect(try spool.append(spoolRecord(20, size: 188)) == false)
        for _ in 0..<4 { try spool.removeOldest() }
        #expect(spool.bytes == 3000)
        for index in 20..<25 { #expect(try spool.append(spoolRecord(index, size: 188))) }
        #expect(try drain(spool) == (5..<25).map { spoolRecord($0, size: 188) })
    }

    @Test func aRecordLargerThanTheSpoolIsAnError() throws {
        let spool = try Spool(directory: try makeSpoolDirectory(), maxBytes: 1000)
        #expect { try spool.append([UInt8](repeating: 1, count: 989)) } throws: { ($0 as? SpoolError)?.code == .recordTooLarge }
        #expect(try spool.append([UInt8](repeating: 1, count: 988)))
    }

    @Test func everyAppendAndRemovalSyncs() throws {
        // Counted at the spool's sync funnel: proves each call reaches fdatasync before returning, not
        // that the disk honours it (nothing short of pulling the power could).
        let spool = try Spool(directory: try makeSpoolDirectory(), maxBytes: 1 << 20)
        #expect(try spool.append([1]))
        var before = spool.syncCount
        for _ in 0..<10 { #expect(try spool.append([2])) }
        #expect(spool.syncCount == before + 10)
        before = spool.syncCount
        try spool.removeOldest()
        #expect(spool.syncCount == before + 1)
    }
}
