import Foundation
import Testing
@testable import MessageRing

@Suite("MessageRing file: reopen, replay, bad files")
struct MessageRingReopenTests {
    @Test func reopenRedeliversExactlyTheUnreleasedRecordsInOrder() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = dir.file("ring")
        var rng = SplitMix64(seed: 7)
        let messages = (0..<200).map { NumberedMessage.random(UInt64($0), maxBody: 200, using: &rng) }
        do {
            let ring = try MessageRing(path: path, capacity: 4096)
            #expect(ring.openReport.created)
            var released = 0
            // Go round a few times so the pending records straddle the wrap.
            for message in messages {
                while try !message.tryPush(into: ring) {
                    let record = try #require(ring.next())
                    ring.release(upTo: record.end)
                    released += 1
                }
            }
            // Read some more without releasing: reading is not releasing.
            for _ in 0..<3 { _ = try #require(ring.next()) }
            try ring.sync()
            #expect(released > 100)
        }
        let ring = try MessageRing(path: path, capacity: 4096)
        let released = Int(ring.releasedPosition.records)
        #expect(!ring.openReport.created)
        #expect(ring.openReport.replayedRecords == messages.count - released)
        #expect(ring.openReport.discardedBytes == 0)
        #expect(ring.pendingRecords == messages.count - released)
        for expected in messages[released...] {
            let record = try #require(ring.next())
            #expect(expected.matches(record))
            #expect(record.start.records == expected.sequence)
        }
        #expect(ring.next() == nil)
        // Producing continues after the replayed records.
        try NumberedMessage(sequence: 200, topicCount: 3, payloadCount: 9).push(into: ring)
        #expect(NumberedMessage.sequence(of: try #require(ring.next())) == 200)
    }

    @Test func reopenWithoutSyncKeepsEverythingThePageCacheHas() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = dir.file("ring")
        do {
            let ring = try MessageRing(path: path, capacity: 1024)
            try ring.push(kind: 4, receivedAt: 5, topic: "x".utf8, payload: [6])
        }
        let ring = try MessageRing(path: path, capacity: 1024)
        let record = try #require(ring.next())
        #expect(record.kind == 4 && record.receivedAt == 5 && record.topicString == "x" && Array(record.payload) == [6])
    }

    @Test func capacityChangeResizesAnEmptyRingAndKeepsAPendingOne() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = dir.file("ring")
        do {
            let ring = try MessageRing(path: path, capacity: 1024)
            try ring.push(kind: 0, receivedAt: 0, topic: [UInt8](), payload: [1])
        }
        do {
            let ring = try MessageRing(path: path, capacity: 2048)
            #expect(ring.capacity == 1024)
            #expect(ring.openReport.capacityChange == .keptFileCapacity(file: 1024, configured: 2048))
            ring.release(upTo: try #require(ring.next()).end)
        }
        do {
            let ring = try MessageRing(path: path, capacity: 2048)
            #expect(ring.capacity == 2048)
            #expect(ring.openReport.capacityChange == .resized(from: 1024, to: 2048))
            #expect(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int == 4096 + 2048)
            try ring.push(kind: 0, receivedAt: 0, topic: [UInt8](), payload: [UInt8](repeating: 2, count: 400))
        }
        let ring = try MessageRing(path: path, capacity: 2048)
        #expect(ring.openReport.capacityChange == nil)
        #expect(try #require(ring.next()).payload.count == 400)
    }

    @Test func aFileThatIsNotARingIsRefusedByName() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = dir.file("notes.txt")
        try Data("hello, this is not a ring".utf8).write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: RingError.self) { _ = try MessageRing(path: path, capacity: 1024) }
        #expect(error?.code == .badMagic)
        #expect(error?.description.contains(path) == true)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "hello, this is not a ring", "left untouched")
    }

    @Test(arguments: [
        (RingLayout.versionOffset, UInt64(2), RingError.Code.unsupportedVersion),
        (RingLayout.headerSizeOffset, UInt64(512), .corruptHeader),
        (RingLayout.capacityOffset, UInt64(1004), .corruptHeader),    // not a multiple of 8
        (RingLayout.capacityOffset, UInt64(1 << 20), .corruptHeader), // larger than the file
        (RingLayout.headOffset, UInt64(8), .corruptHeader),           // head behind tail
        (RingLayout.tailOffset, UInt64(3000), .corruptHeader),
    ])
    func corruptedHeaderIsAnErrorNotACrash(offset: Int, value: UInt64, code: RingError.Code) throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = dir.file("ring")
        do {
            let ring = try MessageRing(path: path, capacity: 1024)
            for _ in 0..<3 { try ring.push(kind: 0, receivedAt: 0, topic: [UInt8](), payload: [UInt8](repeating: 1, count: 8)) }
            ring.release(upTo: try #require(ring.next()).end)  // tail 40, head 120
        }
        try patch(path, at: offset, value: value, width: offset == RingLayout.versionOffset || offset == RingLayout.headerSizeOffset ? 4 : 8)
        let error = #expect(throws: RingError.self) { _ = try MessageRing(path: path, capacity: 1024) }
        #expect(error?.code == code)
        #expect(error?.path == path)
    }

    @Test func aTornRecordAfterAPowerCutIsDroppedWithEverythingAfterIt() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = dir.file("ring")
        do {
            let ring = try MessageRing(path: path, capacity: 1024)
            for i in 0..<5 { try ring.push(kind: UInt8(i), receivedAt: 0, topic: [UInt8](), payload: [UInt8](repeating: 1, count: 100)) }
        }
        // Record 3 starts at 3 × 136 = 408; flip a payload byte as if its page never reached the disk.
        try patch(path, at: RingLayout.headerSize + 408 + 32 + 50, value: 0xEE, width: 1)
        let ring = try MessageRing(path: path, capacity: 1024)
        #expect(ring.openReport.replayedRecords == 3)
        #expect(ring.openReport.discardedBytes == 2 * 136)
        #expect((0..<3).compactMap { _ in ring.next()?.kind } == [0, 1, 2])
        #expect(ring.next() == nil)
        try ring.push(kind: 9, receivedAt: 0, topic: [UInt8](), payload: [UInt8]())
        #expect(try #require(ring.next()).start.bytes == 408, "production resumes at the intact end")
    }

    @Test func aZeroedPageAfterThePersistedHeadIsDropped() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = dir.file("ring")
        do {
            let ring = try MessageRing(path: path, capacity: 1024)
            try ring.push(kind: 0, receivedAt: 0, topic: [UInt8](), payload: [1])
        }
        // Head claims a second record that was never written (still zeros).
        try patch(path, at: RingLayout.headOffset, value: 80, width: 8)
        let ring = try MessageRing(path: path, capacity: 1024)
        #expect(ring.openReport.replayedRecords == 1)
        #expect(ring.openReport.discardedBytes == 40)
    }

    @Test func aSecondOpenOfTheSameFileIsRefused() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = dir.file("ring")
        let ring = try MessageRing(path: path, capacity: 1024)
        let error = #expect(throws: RingError.self) { _ = try MessageRing(path: path, capacity: 1024) }
        #expect(error?.code == .lockedByAnotherProcess)
        _ = ring
    }

    @Test func anInterruptedCreationStartsAfresh() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = dir.file("ring")
        try Data(count: 4096 + 512).write(to: URL(fileURLWithPath: path))  // full size, magic still 0
        let ring = try MessageRing(path: path, capacity: 1024)
        #expect(ring.openReport.created)
        #expect(ring.capacity == 1024)
    }

    @Test func syncWritesTheDirtyRangesIncludingAcrossTheWrap() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let ring = try MessageRing(path: dir.file("ring"), capacity: 16_384)
        var rng = SplitMix64(seed: 3)
        for sequence in 0..<2_000 {
            let message = NumberedMessage.random(UInt64(sequence), maxBody: 500, using: &rng)
            while try !message.tryPush(into: ring) { ring.release(upTo: try #require(ring.next()).end) }
            if sequence % 37 == 0 { try ring.sync() }
        }
        try ring.sync()
        try ring.sync()
    }

    private func patch(_ path: String, at offset: Int, value: UInt64, width: Int) throws {
        let handle = try #require(FileHandle(forUpdatingAtPath: path))
        defer { try? handle.close() }
        try handle.seek(toOffset: UInt64(offset))
        handle.write(withUnsafeBytes(of: value.littleEndian) { Data($0.prefix(width)) })
    }
}
