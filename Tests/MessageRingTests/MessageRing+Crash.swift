import Foundation
import Testing
@testable import MessageRing

@Suite("MessageRing process death")
struct MessageRingCrashTests {
    static let records: UInt64 = 100_000
    static let heldBack: UInt64 = 100

    /// A real child process (Swift Testing exit test) produces into a file ring while a consumer
    /// thread releases in irregular chunks, then SIGKILLs itself without syncing. The parent
    /// reopens the file: exactly the records after the stored tail come back, in order, intact.
    @Test func sigkillLosesNothingThatWasPushed() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = dir.file("ring")
        await #expect(processExitsWith: .signal(SIGKILL)) { [path = path as String] in
            let ring = try MessageRing(path: path, capacity: 65_536)
            let total = MessageRingCrashTests.records
            let heldBack = MessageRingCrashTests.heldBack
            _ = TestThread {
                var rng = SplitMix64(seed: 5)
                var count = 0
                while true {
                    guard ring.waitForData(timeout: .seconds(1)), let record = ring.next() else { continue }
                    count += 1
                    // Hold back the last records: they stand for a batch not yet committed.
                    if NumberedMessage.sequence(of: record) < total - heldBack && count >= Int.random(in: 1...50, using: &rng) {
                        ring.release(upTo: record.end)
                        count = 0
                    }
                }
            }
            var rng = SplitMix64(seed: 6)
            for sequence in 0..<total {
                try NumberedMessage.random(sequence, maxBody: 200, using: &rng).push(into: ring)
            }
            kill(getpid(), SIGKILL)
        }

        let ring = try MessageRing(path: path, capacity: 65_536)
        let first = ring.releasedPosition.records
        #expect(first > 0, "the child released some records")
        #expect(first <= Self.records - Self.heldBack)
        #expect(ring.openReport.discardedBytes == 0)
        #expect(ring.openReport.replayedRecords == Int(Self.records - first))
        var expected = first
        var corrupt = 0
        while let record = ring.next() {
            #expect(NumberedMessage.sequence(of: record) == expected)
            if !NumberedMessage.isIntact(record) { corrupt += 1 }
            expected += 1
            if expected > Self.records { break }
        }
        #expect(expected == Self.records)
        #expect(corrupt == 0)
    }

    @Test func concurrentProducersTrap() async {
        await #expect(processExitsWith: .failure) {
            let ring = try MessageRing(capacity: 1024)
            ring.producerBusy.store(true, ordering: .relaxed)  // another thread is inside push
            _ = try ring.tryPush(kind: 0, receivedAt: 0, topic: [UInt8](), payload: [UInt8]())
        }
    }

    @Test func concurrentConsumersTrap() async {
        await #expect(processExitsWith: .failure) {
            let ring = try MessageRing(capacity: 1024)
            ring.consumerBusy.store(true, ordering: .relaxed)
            _ = ring.next()
        }
    }
}
