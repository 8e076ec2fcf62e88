@testable import Ingest
import Testing

@Suite("UnwrittenAges: the oldest row not yet in PostgreSQL")
struct UnwrittenAgesTests {
    @Test func emptyHasNoOldest() {
        #expect(UnwrittenAges(spooledAtStart: 0, now: 5).oldest == nil)
    }

    @Test func inFlightBatchesCountUntilCommitted() {
        let ages = UnwrittenAges(spooledAtStart: 0, now: 0)
        ages.submitted(1, oldest: 100)
        ages.submitted(2, oldest: 200)
        ages.submitted(3, oldest: nil)
        #expect(ages.oldest == 100)
        ages.finished(2, spooled: false)
        #expect(ages.oldest == 100)
        ages.finished(1, spooled: false)
        #expect(ages.oldest == nil)
        ages.finished(3, spooled: false)
        #expect(ages.oldest == nil)
    }

    @Test func spooledBatchesCountUntilReplayedInSpoolOrder() {
        let ages = UnwrittenAges(spooledAtStart: 0, now: 0)
        ages.submitted(1, oldest: 100)
        ages.submitted(2, oldest: 200)
        ages.finished(2, spooled: true)
        ages.finished(1, spooled: true)
        #expect(ages.oldest == 100)
        ages.replayedOldest()
        // Spool order, not receive order: the batch spooled first (received at 200) was replayed.
        #expect(ages.oldest == 100)
        ages.replayedOldest()
        #expect(ages.oldest == nil)
        ages.replayedOldest()
        #expect(ages.oldest == nil)
    }

    @Test func aRowlessSpooledBatchKeepsItsPlaceWithoutAnAge() {
        let ages = UnwrittenAges(spooledAtStart: 0, now: 0)
        ages.finished(1, spooled: true)
        ages.submitted(2, oldest: 300)
        ages.finished(2, spooled: true)
        #expect(ages.oldest == 300)
        ages.replayedOldest()
        #expect(ages.oldest == 300)
        ages.replayedOldest()
        #expect(ages.oldest == nil)
    }

    @Test func batchesFoundInTheSpoolAtStartCountFromTheStart() {
        let ages = UnwrittenAges(spooledAtStart: 2, now: 50)
        #expect(ages.oldest == 50)
        ages.replayedOldest()
        ages.replayedOldest()
        #expect(ages.oldest == nil)
    }

    @Test func manyReplaysCompactTheQueue() {
        let ages = UnwrittenAges(spooledAtStart: 0, now: 0)
        for sequence in 0..<3000 as Range<UInt64> {
            ages.submitted(sequence, oldest: Int64(sequence) + 1)
            ages.finished(sequence, spooled: true)
        }
        for _ in 0..<2500 { ages.replayedOldest() }
        #expect(ages.oldest == 2501)
    }
}
