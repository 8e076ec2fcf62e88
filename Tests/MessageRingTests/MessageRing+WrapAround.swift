import Testing
@testable import MessageRing

@Suite("MessageRing wrap-around")
struct MessageRingWrapAroundTests {
    /// Every record size from the smallest to the largest, many laps, irregular reading and release.
    @Test(arguments: [256, 512, 1000, 4096])
    func manySizesAcrossManyLaps(capacity: Int) throws {
        let ring = try MessageRing(capacity: capacity)
        var rng = SplitMix64(seed: UInt64(capacity))
        let maxBody = ring.maxRecordSize - 32
        var produced: UInt64 = 0
        var consumed: UInt64 = 0
        var lastReadEnd: RingPosition?
        var pendingRelease = 0
        while consumed < 20_000 {
            // Produce a random burst until full.
            for _ in 0..<Int.random(in: 1...12, using: &rng) {
                let message = NumberedMessage.random(produced, maxBody: maxBody, using: &rng)
                guard try message.tryPush(into: ring) else { break }
                produced += 1
            }
            // Read a random number, release at irregular points.
            for _ in 0..<Int.random(in: 1...12, using: &rng) {
                guard let record = ring.next() else { break }
                #expect(NumberedMessage.sequence(of: record) == consumed)
                #expect(record.start.records == consumed)
                #expect(NumberedMessage.isIntact(record))
                consumed += 1
                lastReadEnd = record.end
                pendingRelease += 1
                if pendingRelease >= Int.random(in: 1...5, using: &rng) {
                    ring.release(upTo: record.end)
                    pendingRelease = 0
                }
            }
            if let end = lastReadEnd, ring.usedBytes > capacity / 2 {
                ring.release(upTo: end)
                pendingRelease = 0
            }
            #expect(ring.usedBytes <= capacity)
        }
        #expect(ring.producedPosition.bytes > UInt64(capacity) * 50, "went round many times")
        #expect(produced - consumed == UInt64(ring.producedPosition.records) - consumed)
    }
}
