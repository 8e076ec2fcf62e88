@testable import Ingest
import Testing

@Suite("WatchedReadingOrder: alert rules see stored batches in ring order, spooled ones included")
struct WatchedReadingOrderTests {
    /// The chaos run's spool-quota fault: two writers hold batches 0 and 1 while the spool is full;
    /// when it drains, the writer of batch 1 happens to append first. Batch 0 (a device's hot window)
    /// must still reach the rules before batch 1 (its readings after the window), or every reading
    /// of batch 0 is late and the window raises nothing.
    @Test func spoolAppendedOutOfOrder() {
        var order = WatchedReadingOrder<String>()
        #expect(order.spooled(1).isEmpty)
        #expect(order.spooled(0).isEmpty)
        #expect(order.replayed(1, readings: ["after the window"]).isEmpty)
        #expect(order.replayed(0, readings: ["hot"]) == [["hot"], ["after the window"]])
        #expect(order.heldBack == 0)
    }

    /// A writer finds the database back and commits batch 1 while batch 0 is still in the spool.
    @Test func committedWhileAnEarlierBatchIsSpooled() {
        var order = WatchedReadingOrder<String>()
        #expect(order.spooled(0).isEmpty)
        #expect(order.committed(1, readings: ["later"]).isEmpty)
        #expect(order.heldBack == 1)
        #expect(order.committed(2, readings: []).isEmpty)
        #expect(order.replayed(0, readings: ["earlier"]) == [["earlier"], ["later"]])
        #expect(order.committed(3, readings: ["next"]) == [["next"]])
    }

    /// A replay whose removal from the spool failed comes again: handed over once.
    @Test func replayedTwice() {
        var order = WatchedReadingOrder<String>()
        #expect(order.spooled(0).isEmpty)
        #expect(order.replayed(0, readings: ["a"]) == [["a"]])
        #expect(order.replayed(0, readings: ["a"]).isEmpty)
        #expect(order.committed(1, readings: ["b"]) == [["b"]])
        #expect(order.heldBack == 0)
    }

    /// What an earlier run spooled is older than anything of this run: it goes through at once.
    @Test func earlierRunsBatchesGoThroughAtOnce() {
        var order = WatchedReadingOrder<String>()
        #expect(order.replayed(nil, readings: ["left by the last run"]) == [["left by the last run"]])
        #expect(order.replayed(nil, readings: []).isEmpty)
        #expect(order.committed(0, readings: ["first of this run"]) == [["first of this run"]])
    }

    /// Random ways 6 batches can be stored (each committed, or spooled and replayed later, in any
    /// interleaving): each batch's readings come out once, in ring order, once all are stored.
    @Test func randomStoreOrders() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<5_000 {
            let count = 6
            let spooled = (0..<count).map { _ in Bool.random(using: &generator) }
            // One event per commit; two per spooled batch (its first occurrence spools, the second replays).
            var events = (0..<count).flatMap { spooled[$0] ? [$0, $0] : [$0] }
            events.shuffle(using: &generator)
            var order = WatchedReadingOrder<Int>()
            var out: [Int] = []
            var spoolSeen = Set<Int>()
            for sequence in events {
                let number = UInt64(sequence)
                if !spooled[sequence] {
                    out += order.committed(number, readings: [sequence]).flatMap { $0 }
                } else if spoolSeen.insert(sequence).inserted {
                    out += order.spooled(number).flatMap { $0 }
                } else {
                    out += order.replayed(number, readings: [sequence]).flatMap { $0 }
                }
            }
            #expect(out == Array(0..<count), "spooled \(spooled), events \(events)")
            #expect(order.heldBack == 0)
        }
    }
}
