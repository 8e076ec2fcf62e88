import Foundation
import Testing
import TestSupport
@testable import MessageRing

@Suite("MessageRing two-thread stress", .serialized)
struct MessageRingStressTests {
    /// Debug builds are ~10× slower; the count keeps each case to a few seconds there. In a 1 KiB ring
    /// the producer waits every few records, so that case runs at the scheduler's pace: 400,000 did not
    /// finish within the 120 s deadline on this shared 2-core machine at load 10 (295,534 did); 100,000
    /// still wrap the ring ≈ 20,000 times.
    #if DEBUG
    static let records: UInt64 = 100_000
    #else
    static let records: UInt64 = 5_000_000
    #endif

    /// One producer and one consumer thread: none lost, none doubled, order kept, bytes intact,
    /// across wrap boundaries and with the producer repeatedly waiting on a full ring.
    @Test(arguments: [(1024, 224), (65_536, 300), (4096, 992)])
    func producerAndConsumerThreads(capacity: Int, maxBody: Int) async throws {
        let ring = try MessageRing(capacity: capacity)
        let total = Self.records / (maxBody > 500 ? 4 : 1)
        #expect(maxBody <= ring.maxRecordSize - 32)
        let waits = Box(0)
        let failures = Box(0)
        let producer = TestThread {
            var rng = SplitMix64(seed: UInt64(capacity))
            var (waited, failed) = (0, 0)
            for sequence in 0..<total {
                let message = NumberedMessage.random(sequence, maxBody: maxBody, using: &rng)
                switch try? message.push(into: ring) {
                case .writtenAfterWaiting: waited += 1
                case .written: break
                case .closed, nil: failed += 1
                }
            }
            (waits.value, failures.value) = (waited, failed)
        }
        // The consumer spins on a thread of its own as well, and the cases run one at a time: on the
        // cooperative pool (two threads here) the cases' consumers stalled every other test of the process.
        let consumed = try await onThread { () -> Consumed in
            var rng = SplitMix64(seed: 99)
            var expected: UInt64 = 0
            var corrupt = 0
            var outOfOrder = 0
            var unreleased = 0
            var releaseAfter = 1
            let deadline = ContinuousClock.now + .seconds(120)
            while expected < total && ContinuousClock.now < deadline {
                guard ring.waitForData(timeout: .milliseconds(100)) else { continue }
                while let record = ring.next() {
                    if NumberedMessage.sequence(of: record) != expected { outOfOrder += 1 }
                    if !NumberedMessage.isIntact(record) { corrupt += 1 }
                    expected = NumberedMessage.sequence(of: record) + 1
                    unreleased += 1
                    if unreleased >= releaseAfter {
                        ring.release(upTo: record.end)
                        unreleased = 0
                        releaseAfter = Int.random(in: 1...40, using: &rng)
                    }
                }
                ring.release(upTo: ring.readPosition)
                unreleased = 0
            }
            ring.close()
            return Consumed(expected: expected, corrupt: corrupt, outOfOrder: outOfOrder, producerJoined: producer.wait(timeout: 10))
        }
        let (expected, corrupt, outOfOrder) = (consumed.expected, consumed.corrupt, consumed.outOfOrder)
        #expect(consumed.producerJoined)
        #expect(failures.value == 0)
        #expect(expected == total)
        #expect(outOfOrder == 0)
        #expect(corrupt == 0)
        #expect(ring.next() == nil, "nothing doubled at the end")
        #expect(ring.producedPosition.records == total)
        #expect(ring.usedBytes == 0)
        if capacity <= 4096 { #expect(waits.value > 0, "the producer met a full ring") }
    }

    struct Consumed: Sendable {
        var expected: UInt64
        var corrupt: Int
        var outOfOrder: Int
        var producerJoined: Bool
    }
}
