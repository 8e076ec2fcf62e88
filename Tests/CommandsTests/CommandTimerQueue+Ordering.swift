import Commands
import Foundation
import Testing
import WallTime

@Suite("CommandTimerQueue")
struct CommandTimerQueueTests {
    let t0 = WallInstant(seconds: 1_000)

    @Test func firesInDeadlineOrderAndOnlyTheLatestArming() {
        var queue = CommandTimerQueue()
        let (a, b, c) = (UUID(), UUID(), UUID())
        queue.arm(a, at: t0 + .seconds(3))
        queue.arm(b, at: t0 + .seconds(1))
        queue.arm(c, at: t0 + .seconds(2))
        queue.arm(a, at: t0 + .seconds(1.5))  // re-armed earlier: the old entry is stale
        queue.disarm(c)
        #expect(queue.count == 2)
        #expect(queue.nextDeadline == t0 + .seconds(1))
        #expect(queue.popDue(now: t0).isEmpty)
        #expect(queue.popDue(now: t0 + .seconds(10)).map(\.id) == [b, a])
        #expect(queue.nextDeadline == nil && queue.count == 0)
    }

    /// Random arms, re-arms and disarms against a plain dictionary model.
    @Test func matchesAReferenceModel() {
        var random = SplitMix(seed: 42)
        var queue = CommandTimerQueue()
        var model: [UUID: WallInstant] = [:]
        let ids = (0..<300).map { _ in UUID() }
        var now = t0
        for _ in 0..<20_000 {
            let id = ids[Int(random.next() % UInt64(ids.count))]
            switch random.next() % 10 {
            case 0..<6:
                let deadline = now + .milliseconds(Int64(random.next() % 5_000))
                queue.arm(id, at: deadline)
                model[id] = deadline
            case 6:
                queue.disarm(id)
                model[id] = nil
            default:
                now = now + .milliseconds(Int64(random.next() % 400))
                let due = queue.popDue(now: now)
                let expected = model.filter { $0.value <= now }
                #expect(Set(due.map(\.id)) == Set(expected.keys))
                #expect(due.map(\.deadline) == due.map(\.deadline).sorted())
                for id in expected.keys { model[id] = nil }
            }
            #expect(queue.count == model.count)
        }
        #expect(queue.nextDeadline == model.values.min())
    }
}
