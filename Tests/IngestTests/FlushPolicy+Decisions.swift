@testable import Ingest
import Testing

@Suite("FlushPolicy: a batch goes when a writer is free, full, or at the interval")
struct FlushPolicyDecisionTests {
    let policy = FlushPolicy(batchSize: 100, maxWait: .milliseconds(200), busyPoll: .milliseconds(1), idlePoll: .milliseconds(50))

    @Test("no open batch: wait for a record at the idle poll")
    func nothingOpen() {
        for free in [false, true] {
            #expect(policy.decide(rows: 0, age: nil, caughtUp: true, writerFree: free) == .wait(.milliseconds(50)))
        }
    }

    @Test("a free writer takes the batch at once, however small and young, once the ring is drained")
    func freeWriterTakesItAtOnce() {
        #expect(policy.decide(rows: 1, age: .zero, caughtUp: true, writerFree: true) == .flush(.writerFree))
        #expect(policy.decide(rows: 40, age: .milliseconds(3), caughtUp: true, writerFree: true) == .flush(.writerFree))
    }

    @Test("a free writer waits while the ring still holds records for this batch")
    func notCaughtUpKeepsFilling() {
        #expect(policy.decide(rows: 1, age: .zero, caughtUp: false, writerFree: true) == .wait(.milliseconds(1)))
    }

    @Test("every writer busy: the batch keeps filling, looked at again after the busy poll")
    func busyWritersLetItGrow() {
        #expect(policy.decide(rows: 1, age: .zero, caughtUp: true, writerFree: false) == .wait(.milliseconds(1)))
        #expect(policy.decide(rows: 99, age: .milliseconds(150), caughtUp: true, writerFree: false) == .wait(.milliseconds(1)))
    }

    @Test("the next look never lands after the interval's end")
    func waitNeverOvershootsTheInterval() {
        #expect(policy.decide(rows: 5, age: .microseconds(199_700), caughtUp: true, writerFree: false) == .wait(.microseconds(300)))
    }

    @Test("a full batch goes whether or not a writer is free", arguments: [false, true])
    func fullGoes(free: Bool) {
        #expect(policy.decide(rows: 100, age: .zero, caughtUp: false, writerFree: free) == .flush(.full))
        #expect(policy.decide(rows: 250, age: .milliseconds(500), caughtUp: true, writerFree: free) == .flush(.full))
    }

    @Test("the interval is the upper bound: the batch goes at it even with every writer busy")
    func intervalIsTheBound() {
        #expect(policy.decide(rows: 1, age: .milliseconds(200), caughtUp: false, writerFree: false) == .flush(.maxWait))
        #expect(policy.decide(rows: 1, age: .seconds(3), caughtUp: true, writerFree: false) == .flush(.maxWait))
    }

    @Test("a batch opened by control records alone (no rows) still goes, so the ring is released past them")
    func controlOnlyBatchGoes() {
        #expect(policy.decide(rows: 0, age: .zero, caughtUp: true, writerFree: true) == .flush(.writerFree))
        #expect(policy.decide(rows: 0, age: .milliseconds(200), caughtUp: true, writerFree: false) == .flush(.maxWait))
    }

    @Test("switched off, only size and interval decide: a free writer changes nothing")
    func switchedOff() {
        let interval = FlushPolicy(batchSize: 100, maxWait: .milliseconds(200), whenWriterFree: false)
        #expect(interval.decide(rows: 1, age: .zero, caughtUp: true, writerFree: true) == .wait(.milliseconds(50)))
        #expect(interval.decide(rows: 1, age: .milliseconds(180), caughtUp: true, writerFree: true) == .wait(.milliseconds(20)))
        #expect(interval.decide(rows: 1, age: .milliseconds(200), caughtUp: true, writerFree: true) == .flush(.maxWait))
        #expect(interval.decide(rows: 100, age: .zero, caughtUp: false, writerFree: false) == .flush(.full))
    }

    /// Over a grid of inputs: flush exactly when full, at the bound, or free-and-drained; a wait is
    /// positive and never reaches past the bound.
    @Test("the decision table over a grid of inputs")
    func grid() {
        var mismatches: [String] = []
        for rows in [0, 1, 50, 99, 100, 101] {
            for ageMs in [0, 1, 100, 199, 200, 201, 1000] {
                for caughtUp in [false, true] {
                    for free in [false, true] {
                        let age = Duration.milliseconds(ageMs)
                        let decision = policy.decide(rows: rows, age: age, caughtUp: caughtUp, writerFree: free)
                        let expected: FlushPolicy.Decision =
                            if rows >= 100 { .flush(.full) }
                            else if ageMs >= 200 { .flush(.maxWait) }
                            else if caughtUp && free { .flush(.writerFree) }
                            else { .wait(min(.milliseconds(1), .milliseconds(200 - ageMs))) }
                        if decision != expected { mismatches.append("rows \(rows) age \(ageMs) ms caughtUp \(caughtUp) free \(free): \(decision)") }
                        if case .wait(let d) = decision, !(d > .zero && age + d <= .milliseconds(200)) {
                            mismatches.append("rows \(rows) age \(ageMs) ms: wait \(d) overshoots")
                        }
                    }
                }
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches)")
    }
}
