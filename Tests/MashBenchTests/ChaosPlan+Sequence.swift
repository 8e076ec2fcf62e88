@testable import MashBench
import Testing

@Suite("ChaosPlan: seeded faults")
struct ChaosPlanSequenceTests {
    @Test("the same seed gives the same faults and gaps; another seed another order")
    func seeded() {
        var a = ChaosPlan(seed: 7)
        var b = ChaosPlan(seed: 7)
        var c = ChaosPlan(seed: 8)
        let first = (0..<40).map { _ in a.next() }
        let second = (0..<40).map { _ in b.next() }
        let other = (0..<40).map { _ in c.next() }
        #expect(first.map(\.fault) == second.map(\.fault))
        #expect(first.map(\.wait) == second.map(\.wait))
        #expect(first.map(\.fault) != other.map(\.fault) || first.map(\.wait) != other.map(\.wait))
    }

    @Test("every run of four faults injects each kind once, so a short run still sees all of them")
    func everyKindInEachRound() {
        var plan = ChaosPlan(seed: 42)
        for _ in 0..<25 {
            let round = (0..<ChaosFault.allCases.count).map { _ in plan.next().fault }
            #expect(Set(round) == Set(ChaosFault.allCases))
        }
    }

    @Test("gaps stay inside the configured range")
    func gaps() {
        var plan = ChaosPlan(seed: 3, gapMilliseconds: 500...900)
        for _ in 0..<200 {
            let wait = plan.next().wait
            #expect(wait >= .milliseconds(500) && wait <= .milliseconds(900))
        }
    }
}
