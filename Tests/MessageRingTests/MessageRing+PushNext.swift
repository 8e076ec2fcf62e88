import Testing
@testable import MessageRing

@Suite("MessageRing push, next, release")
struct MessageRingPushNextTests {
    @Test func recordRoundTripsEveryField() throws {
        let ring = try MessageRing(capacity: 4096)
        #expect(ring.next() == nil)
        let outcome = try ring.push(kind: 3, flags: 0x81, receivedAt: -42, topic: "sensors/d1/telemetry".utf8, payload: [1, 2, 3])
        #expect(outcome == .written)
        #expect(ring.pendingRecords == 1)
        #expect(ring.usedBytes == MessageRing.recordSize(topicCount: 20, payloadCount: 3))

        let record = try #require(ring.next())
        #expect(record.kind == 3)
        #expect(record.flags == 0x81)
        #expect(record.receivedAt == -42)
        #expect(record.topicString == "sensors/d1/telemetry")
        #expect(Array(record.payload) == [1, 2, 3])
        #expect(record.start == RingPosition(bytes: 0, records: 0))
        #expect(record.end == RingPosition(bytes: 56, records: 1))
        #expect(ring.next() == nil)
        #expect(ring.pendingRecords == 1, "reading does not release")

        ring.release(upTo: record.end)
        #expect(ring.usedBytes == 0)
        #expect(ring.pendingRecords == 0)
        #expect(ring.releasedPosition == record.end)
    }

    @Test func emptyTopicAndPayload() throws {
        let ring = try MessageRing(capacity: 256)
        try ring.push(kind: 0, receivedAt: 0, topic: [UInt8](), payload: [UInt8]())
        try ring.push(kind: 1, receivedAt: 1, topic: "t".utf8, payload: [UInt8]())
        try ring.push(kind: 2, receivedAt: 2, topic: [UInt8](), payload: [9])
        let a = try #require(ring.next())
        let b = try #require(ring.next())
        let c = try #require(ring.next())
        #expect(a.topic.isEmpty && a.payload.isEmpty && a.end.bytes == 32)
        #expect(b.topicString == "t" && b.payload.isEmpty)
        #expect(c.topic.isEmpty && Array(c.payload) == [9])
        #expect(ring.next() == nil)
    }

    @Test func nonContiguousCollectionsAreCopied() throws {
        let ring = try MessageRing(capacity: 1024)
        try ring.push(kind: 0, receivedAt: 0, topic: "ab".utf8.lazy.map { $0 }, payload: (1...5).lazy.map { UInt8($0) })
        let record = try #require(ring.next())
        #expect(record.topicString == "ab")
        #expect(Array(record.payload) == [1, 2, 3, 4, 5])
    }

    @Test func largestRecordIsAcceptedAndOneByteMoreIsAnError() throws {
        let ring = try MessageRing(capacity: 256)
        #expect(ring.maxRecordSize == 64)
        // 32 header + 4 topic + 28 payload = 64: exactly the maximum.
        try ring.push(kind: 0, receivedAt: 0, topic: [UInt8](repeating: 1, count: 4), payload: [UInt8](repeating: 2, count: 28))
        let error = #expect(throws: RingError.self) {
            try ring.push(kind: 0, receivedAt: 0, topic: [UInt8](repeating: 1, count: 4), payload: [UInt8](repeating: 2, count: 29))
        }
        #expect(error?.code == .recordTooLarge)
        #expect(throws: RingError.self) {
            try ring.tryPush(kind: 0, receivedAt: 0, topic: [UInt8](), payload: [UInt8](repeating: 0, count: 33))
        }
        #expect(ring.pendingRecords == 1, "a refused record leaves nothing behind")
    }

    @Test func recordEndingExactlyAtTheEndNeedsNoWrapMarker() throws {
        let ring = try MessageRing(capacity: 256)
        let full = [UInt8](repeating: 7, count: 32)  // 64-byte records: four fill the ring exactly
        for _ in 0..<4 { #expect(try ring.tryPush(kind: 0, receivedAt: 0, topic: [UInt8](), payload: full)) }
        #expect(try ring.tryPush(kind: 0, receivedAt: 0, topic: [UInt8](), payload: [UInt8]()) == false)
        #expect(ring.usedBytes == 256)
        let first = try #require(ring.next())
        ring.release(upTo: first.end)
        #expect(try ring.tryPush(kind: 9, receivedAt: 0, topic: [UInt8](), payload: full))
        #expect(ring.producedPosition.bytes == 320, "no padding: the fifth record starts at offset 0")
        for _ in 0..<3 { _ = try #require(ring.next()) }
        let wrapped = try #require(ring.next())
        #expect(wrapped.kind == 9 && wrapped.start.bytes == 256)
    }

    @Test func recordOneByteTooBigForTheEndWraps() throws {
        let ring = try MessageRing(capacity: 256)
        // 3 × 64 + 40 = 232: 24 bytes remain before the end.
        for _ in 0..<3 { try ring.push(kind: 0, receivedAt: 0, topic: [UInt8](), payload: [UInt8](repeating: 1, count: 32)) }
        try ring.push(kind: 0, receivedAt: 0, topic: [UInt8](), payload: [UInt8](repeating: 1, count: 8))
        for _ in 0..<4 { ring.release(upTo: try #require(ring.next()).end) }
        // A record of exactly 24 bytes cannot exist (header is 32); 32 bytes is the smallest that must wrap.
        #expect(try ring.tryPush(kind: 5, receivedAt: 0, topic: [UInt8](), payload: [UInt8]()))
        let record = try #require(ring.next())
        #expect(record.kind == 5)
        #expect(record.start.bytes == 256, "skipped the 24 bytes before the end")
        #expect(record.end.bytes == 288)
        ring.release(upTo: record.end)
        #expect(ring.usedBytes == 0)
    }

    @Test func wrappedRecordNeedsTheWastedEndFreeToo() throws {
        let ring = try MessageRing(capacity: 256)
        for _ in 0..<3 { try ring.push(kind: 0, receivedAt: 0, topic: [UInt8](), payload: [UInt8](repeating: 1, count: 32)) }
        // 64 bytes free at the end only: a 64-byte record fits without wrapping.
        #expect(try ring.tryPush(kind: 0, receivedAt: 0, topic: [UInt8](), payload: [UInt8](repeating: 1, count: 32)))
        ring.release(upTo: try #require(ring.next()).end)
        // 64 free at the start; a 48-byte record goes there.
        #expect(try ring.tryPush(kind: 0, receivedAt: 0, topic: [UInt8](), payload: [UInt8](repeating: 1, count: 16)))
        // 16 bytes free: nothing fits, not even the smallest record.
        #expect(try ring.tryPush(kind: 0, receivedAt: 0, topic: [UInt8](), payload: [UInt8]()) == false)
        #expect(ring.pendingRecords == 4)
    }

    @Test func tryPushOnFullRingFailsUntilReleased() throws {
        let ring = try MessageRing(capacity: 256)
        var pushed = 0
        while try ring.tryPush(kind: 0, receivedAt: 0, topic: [UInt8](), payload: [UInt8](repeating: 0, count: 8)) {
            pushed += 1
        }
        #expect(pushed == 6)  // 40-byte records: 6 × 40 = 240, 16 left
        let record = try #require(ring.next())
        #expect(try ring.tryPush(kind: 0, receivedAt: 0, topic: [UInt8](), payload: [UInt8](repeating: 0, count: 8)) == false,
                "read but not released is not free")
        ring.release(upTo: record.end)
        // The next record needs the 16 bytes at the end plus 40 at the start.
        #expect(try ring.tryPush(kind: 0, receivedAt: 0, topic: [UInt8](), payload: [UInt8](repeating: 0, count: 8)))
    }

    @Test func rewindRedeliversExactlyTheUnreleasedRecords() throws {
        let ring = try MessageRing(capacity: 1024)
        var rng = SplitMix64(seed: 1)
        let messages = (0..<10).map { NumberedMessage.random(UInt64($0), maxBody: 60, using: &rng) }
        for message in messages { try message.push(into: ring) }
        var records: [RingRecord] = []
        for _ in 0..<6 { records.append(try #require(ring.next())) }
        ring.release(upTo: records[2].end)  // 0, 1, 2 committed
        ring.rewind()
        #expect(ring.readPosition == records[2].end)
        for expected in messages[3...] {
            let record = try #require(ring.next())
            #expect(expected.matches(record))
            #expect(record.start.records == expected.sequence)
        }
        #expect(ring.next() == nil)
    }

    @Test func invalidCapacitiesAreRefused() {
        for capacity in [0, 8, 255, 260, 1 << 35] {
            #expect(throws: RingError.self) { _ = try MessageRing(capacity: capacity) }
        }
        #expect(MessageRing.minimumCapacity(maxPayloadBytes: 262_144, maxTopicBytes: 256) == 4 * (32 + 256 + 262_144))
    }

    @Test func syncOfAnAnonymousRingIsANoOp() throws {
        let ring = try MessageRing(capacity: 1024)
        try ring.push(kind: 0, receivedAt: 0, topic: [UInt8](), payload: [1])
        try ring.sync()
    }
}
