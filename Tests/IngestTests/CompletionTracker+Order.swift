@testable import Ingest
import MessageRing
import Testing

@Suite("CompletionTracker: the release point under every completion order")
struct CompletionTrackerOrderTests {
    /// Every order of 1–6 batches (1 + 2 + 6 + 24 + 120 + 720 orders), each under every choice of
    /// which batches cover no record: after each completion the tracker offers exactly the end of
    /// the longest all-complete prefix, once, when that end moved, and nil otherwise.
    @Test(arguments: 1...6)
    func everyCompletionOrder(batches: Int) {
        let orders = permutations(of: Array(0..<batches))
        #expect(Set(orders).count == (1...batches).reduce(1, *))
        var mismatches: [String] = []
        var moves = 0
        for order in orders {
            for uncovered in 0..<(1 << batches) {
                let ends = (0..<batches).map { index in endOf(index, coversNoRecord: uncovered & (1 << index) != 0) }
                let tracker = CompletionTracker()
                for _ in 0..<batches { tracker.submitted() }
                var complete = Array(repeating: false, count: batches)
                var released: RingPosition?
                for (step, sequence) in order.enumerated() {
                    tracker.completed(UInt64(sequence), end: ends[sequence])
                    complete[sequence] = true
                    let prefix = complete.firstIndex(of: false) ?? batches
                    let durableEnd = ends[..<prefix].compactMap { $0 }.last
                    let expected = durableEnd != released ? durableEnd : nil
                    if let expected { released = expected; moves += 1 }
                    let offered = tracker.takeReleasable()
                    if offered != expected || tracker.outstanding != batches - step - 1 {
                        mismatches.append("order \(order), uncovered \(uncovered), step \(step): offered \(String(describing: offered)), expected \(String(describing: expected)), outstanding \(tracker.outstanding)")
                    }
                }
                // Everything complete: the end of the last batch that covers a record has been released.
                if released != ends.compactMap({ $0 }).last {
                    mismatches.append("order \(order), uncovered \(uncovered): released \(String(describing: released)) at the end")
                }
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches, first: \(mismatches.prefix(3))")
        #expect(moves > 0)
    }

    @Test func aReleaseIsOfferedOnce() {
        let tracker = CompletionTracker()
        tracker.submitted()
        tracker.completed(0, end: RingPosition(bytes: 10, records: 1))
        #expect(tracker.takeReleasable() == RingPosition(bytes: 10, records: 1))
        #expect(tracker.takeReleasable() == nil)
    }

    @Test func aGapHoldsLaterBatchesBack() {
        let tracker = CompletionTracker()
        for _ in 0..<3 { tracker.submitted() }
        tracker.completed(2, end: RingPosition(bytes: 30, records: 3))
        tracker.completed(1, end: RingPosition(bytes: 20, records: 2))
        #expect(tracker.takeReleasable() == nil)
        #expect(tracker.outstanding == 1)
        tracker.completed(0, end: RingPosition(bytes: 10, records: 1))
        #expect(tracker.takeReleasable() == RingPosition(bytes: 30, records: 3))
        #expect(tracker.outstanding == 0)
    }
}

/// Batch `index`'s ring end: nil when it covers no record, else 100 bytes and one record past its predecessor's.
private func endOf(_ index: Int, coversNoRecord: Bool) -> RingPosition? {
    if coversNoRecord { return nil }
    let count = UInt64(index + 1)
    return RingPosition(bytes: count * 100, records: count)
}

/// All orderings of `elements` (Heap's algorithm).
func permutations<T>(of elements: [T]) -> [[T]] {
    var result: [[T]] = []
    var items = elements
    func generate(_ count: Int) {
        if count <= 1 {
            result.append(items)
            return
        }
        generate(count - 1)
        for index in 0..<(count - 1) {
            items.swapAt(count % 2 == 0 ? index : 0, count - 1)
            generate(count - 1)
        }
    }
    generate(items.count)
    return result
}
