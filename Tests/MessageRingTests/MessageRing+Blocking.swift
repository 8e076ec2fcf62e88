import Foundation
import Testing
@testable import MessageRing

@Suite("MessageRing waiting and closing")
struct MessageRingBlockingTests {
    private func fill(_ ring: MessageRing) throws {
        while try ring.tryPush(kind: 0, receivedAt: 0, topic: [UInt8](), payload: [UInt8](repeating: 0, count: 32)) {}
    }

    @Test func fullRingBlocksThePushUntilSpaceIsReleased() throws {
        let ring = try MessageRing(capacity: 256)
        try fill(ring)
        let outcome = Box<PushOutcome?>(nil)
        let producer = TestThread {
            outcome.value = try? ring.push(kind: 1, receivedAt: 0, topic: [UInt8](), payload: [UInt8](repeating: 1, count: 32))
        }
        // It must still be waiting after a while (it cannot have written into a full ring).
        #expect(eventually(within: 0.05) { outcome.value != nil } == false)
        let first = try #require(ring.next())
        #expect(eventually(within: 0.02) { outcome.value != nil } == false, "reading alone frees nothing")
        ring.release(upTo: first.end)
        #expect(producer.wait(timeout: 5))
        #expect(outcome.value == .writtenAfterWaiting)
        for _ in 0..<3 { _ = try #require(ring.next()) }
        #expect(try #require(ring.next()).kind == 1)
    }

    @Test func closeMakesAWaitingPushGiveUp() throws {
        let ring = try MessageRing(capacity: 256)
        try fill(ring)
        let outcome = Box<PushOutcome?>(nil)
        let producer = TestThread {
            outcome.value = try? ring.push(kind: 1, receivedAt: 0, topic: [UInt8](), payload: [UInt8](repeating: 1, count: 32))
        }
        #expect(eventually(within: 0.02) { outcome.value != nil } == false)
        ring.close()
        #expect(producer.wait(timeout: 5))
        #expect(outcome.value == .closed)
        #expect(ring.pendingRecords == 4, "nothing was stored")
        // A closed ring with space still accepts: the message is safer stored than dropped.
        ring.release(upTo: try #require(ring.next()).end)
        #expect(try ring.push(kind: 2, receivedAt: 0, topic: [UInt8](), payload: [UInt8]()) == .written)
    }

    @Test func waitForDataTimesOutWhenIdleAndWakesOnPush() throws {
        let ring = try MessageRing(capacity: 1024)
        let start = ContinuousClock.now
        #expect(ring.waitForData(timeout: .milliseconds(30)) == false)
        #expect(ContinuousClock.now - start >= .milliseconds(30))

        let producer = TestThread {
            usleep(20_000)
            _ = try? ring.push(kind: 0, receivedAt: 0, topic: [UInt8](), payload: [1])
        }
        #expect(ring.waitForData(timeout: .seconds(10)))
        #expect(ring.next() != nil)
        #expect(producer.wait(timeout: 5))
    }

    @Test func waitForDataReturnsAtOnceWhenClosedAndDrained() throws {
        let ring = try MessageRing(capacity: 1024)
        try ring.push(kind: 0, receivedAt: 0, topic: [UInt8](), payload: [1])
        ring.close()
        #expect(ring.waitForData(timeout: .seconds(10)), "unread data is still reported after close")
        _ = ring.next()
        let start = ContinuousClock.now
        #expect(ring.waitForData(timeout: .seconds(10)) == false)
        #expect(ContinuousClock.now - start < .seconds(5))
    }
}
