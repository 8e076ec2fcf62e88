import Foundation
import Testing
@testable import MessageRing
import TestSupport

/// Released pages leave the resident set, and what the producer writes into them afterwards is intact.
@Suite("MessageRing: consumed pages leave the resident set", .timeLimit(.minutes(1)))
struct MessageRingResidentPagesTests {
    /// The resident KiB of this process's mappings of `path` (`/proc/self/smaps`).
    static func residentKiB(of path: String) throws -> Int { TestSupport.residentKiB(ofMappingsEndingIn: path) }

    /// Four laps through a 4 MiB ring file, released as read: the mapping keeps at most the chunk
    /// not yet handed back plus the header page and the page being read, not the 4 MiB it touched.
    @Test func aRingReleasedAsItIsReadKeepsOnlyItsBacklogResident() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let path = directory.file("ring.mmap")
        let capacity = 4 << 20
        let ring = try MessageRing(path: path, capacity: capacity)
        let chunk = ConsumedPages.defaultChunk(capacity: capacity, pageSize: RingMapping.pageSize)
        var sequence: UInt64 = 0
        var peakKiB = 0
        while sequence < 4 * UInt64(capacity / 1024) {
            let message = NumberedMessage(sequence: sequence, topicCount: 24, payloadCount: 960)
            try #require(try message.tryPush(into: ring))
            let record = try #require(ring.next())
            #expect(NumberedMessage.isIntact(record))
            #expect(NumberedMessage.sequence(of: record) == sequence)
            ring.release(upTo: record.end)
            sequence += 1
            if sequence % 512 == 0 { peakKiB = max(peakKiB, try Self.residentKiB(of: path)) }
        }
        let bound = (chunk + 3 * RingMapping.pageSize) / 1024
        #expect(peakKiB > 0, "the ring's mapping was not found in /proc/self/smaps")
        #expect(peakKiB <= bound, "the ring kept \(peakKiB) KiB resident; at most \(bound) KiB expected")
    }

    /// Records written into pages that were released keep their bytes, and a reopen replays them:
    /// releasing drops page-table entries only, never the file's contents.
    @Test func recordsInReusedPagesSurviveAReopen() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let path = directory.file("ring.mmap")
        let capacity = 1 << 20
        var sequence: UInt64 = 0
        do {
            let ring = try MessageRing(path: path, capacity: capacity)
            // Two laps read and released, so every page has been handed back at least once.
            while sequence < 2 * UInt64(capacity / 512) {
                try #require(try NumberedMessage(sequence: sequence, topicCount: 16, payloadCount: 480).tryPush(into: ring))
                let record = try #require(ring.next())
                ring.release(upTo: record.end)
                sequence += 1
            }
            // Half a lap more, left unreleased: it lies in pages released before.
            for _ in 0..<(capacity / 1024) {
                try #require(try NumberedMessage(sequence: sequence, topicCount: 16, payloadCount: 480).tryPush(into: ring))
                sequence += 1
            }
        }
        let reopened = try MessageRing(path: path, capacity: capacity)
        var expected = 2 * UInt64(capacity / 512)
        while let record = reopened.next() {
            #expect(NumberedMessage.isIntact(record))
            #expect(NumberedMessage.sequence(of: record) == expected)
            expected += 1
        }
        #expect(expected == sequence)
    }
}
