@testable import Ingest
import MessageRing
import Testing

@Suite("ControlReleaseFence: control records stay in the ring until their effects are committed")
struct ControlReleaseFenceHoldTests {
    private func at(_ bytes: UInt64) -> RingPosition { RingPosition(bytes: bytes, records: bytes / 10) }

    @Test("with nothing held, the release point is what the writers made durable")
    func nothingHeld() {
        var fence = ControlReleaseFence()
        #expect(fence.releasePoint(durable: at(500)) { _ in false } == at(500))
        #expect(fence.count == 0)
    }

    @Test("an unsettled control record holds the release point at its start")
    func unsettledHolds() {
        var fence = ControlReleaseFence()
        fence.hold(start: at(100), mark: ControlMark(posted: [1, 0, 0]))
        #expect(fence.releasePoint(durable: at(500)) { _ in false } == at(100))
        #expect(fence.count == 1)
        // Settled: the writers' point again, and the record is no longer held.
        #expect(fence.releasePoint(durable: at(500)) { $0.isSettled(by: [1, 0, 0]) } == at(500))
        #expect(fence.count == 0)
    }

    @Test("a record beyond what the writers made durable does not move the point back")
    func beyondDurable() {
        var fence = ControlReleaseFence()
        fence.hold(start: at(800), mark: ControlMark(posted: [1, 0, 0]))
        #expect(fence.releasePoint(durable: at(500)) { _ in false } == at(500))
        #expect(fence.count == 1, "still held: the writers have not reached it")
        #expect(fence.releasePoint(durable: at(900)) { _ in false } == at(800))
    }

    @Test("records are released in order: the oldest unsettled one decides, whatever follows")
    func oldestDecides() {
        var fence = ControlReleaseFence()
        fence.hold(start: at(100), mark: ControlMark(posted: [1, 0, 0]))
        fence.hold(start: at(200), mark: ControlMark(posted: [1, 1, 0]))
        fence.hold(start: at(300), mark: ControlMark(posted: [1, 1, 1]))
        // Presence committed, commands not: the second record holds.
        let settled: ControlMark = [1, 0, 5]
        #expect(fence.releasePoint(durable: at(1000)) { $0.isSettled(by: settled) } == at(200))
        #expect(fence.count == 2)
        #expect(fence.releasePoint(durable: at(1000)) { $0.isSettled(by: [1, 1, 1]) } == at(1000))
        #expect(fence.count == 0)
    }

    @Test("a mark is settled only when every worker reached its count")
    func markSettlement() {
        let mark = ControlMark(posted: [3, 7, 2])
        #expect(mark.isSettled(by: [3, 7, 2]))
        #expect(mark.isSettled(by: [4, 9, 2]))
        #expect(!mark.isSettled(by: [3, 6, 2]))
        #expect(!mark.isSettled(by: [2, 7, 9]))
    }

    @Test("a mark is plain inline data: holding one per control record allocates nothing")
    func markIsInline() {
        #expect(_isPOD(ControlMark.self), "no reference (an array per mark was a heap block per held record)")
        #expect(MemoryLayout<ControlMark>.size == 3 * MemoryLayout<UInt64>.size)
        #expect(ControlMark(3, 7, 2) == [3, 7, 2] && ControlMark(posted: [3]) == ControlMark(3, 0, 0))
    }

    @Test("thousands of records held and settled one by one keep the order and the memory bounded")
    func manyRecords() {
        var fence = ControlReleaseFence()
        for index in 1...5000 { fence.hold(start: at(UInt64(index) * 10), mark: ControlMark(posted: [UInt64(index)])) }
        for settled in stride(from: 0, through: 5000, by: 250) {
            let expected = settled == 5000 ? at(100_000) : at(UInt64(settled + 1) * 10)
            #expect(fence.releasePoint(durable: at(100_000)) { $0.isSettled(by: [UInt64(settled)]) } == expected)
            #expect(fence.count == 5000 - settled)
        }
    }
}
