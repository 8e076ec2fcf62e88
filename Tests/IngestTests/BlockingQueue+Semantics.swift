import Foundation
@testable import Ingest
import Synchronization
import Testing
import TestSupport

@Suite("BlockingQueue: bounded, FIFO, closable")
struct BlockingQueueSemanticsTests {
    @Test func elementsComeOutInTheOrderTheyWentIn() {
        let queue = BlockingQueue<Int>(capacity: 100)
        for value in 0..<100 { #expect(queue.put(value)) }
        #expect((0..<100).map { _ in queue.take() } == Array(0..<100))
        #expect(queue.count == 0)
    }

    @Test func orderHoldsAcrossManyRefills() {
        // Taken slots are compacted away now and then; the order must survive that.
        let queue = BlockingQueue<Int>(capacity: 8)
        var taken: [Int] = []
        var next = 0
        for round in 0..<200 {
            for _ in 0..<(round % 8 + 1) where queue.count < 8 {
                queue.put(next)
                next += 1
            }
            for _ in 0..<(round % 5 + 1) { if let value = queue.take(timeout: .zero) { taken.append(value) } }
        }
        while let value = queue.take(timeout: .zero) { taken.append(value) }
        #expect(taken == Array(0..<next))
    }

    @Test func aTimedPutOnAFullQueueGivesUpAfterItsTimeout() {
        let queue = BlockingQueue<Int>(capacity: 2)
        #expect(queue.put(1, timeout: .milliseconds(10)))
        #expect(queue.put(2, timeout: .milliseconds(10)))
        let start = ContinuousClock.now
        #expect(!queue.put(3, timeout: .milliseconds(100)))
        #expect(ContinuousClock.now - start >= .milliseconds(100))
        #expect(queue.count == 2)
        #expect(queue.take() == 1)
        #expect(queue.put(3, timeout: .milliseconds(10)))
        #expect([queue.take(), queue.take()] == [2, 3])
    }

    @Test func aPutOnAFullQueueWaitsForATake() async throws {
        let queue = BlockingQueue<Int>(capacity: 1)
        queue.put(1)
        let returned = Shared(false)
        let putter = Thread {
            queue.put(2)
            returned.value = true
        }
        putter.start()
        try await Task.sleep(for: .milliseconds(50))
        #expect(!returned.value, "put returned while the queue was full")
        #expect(queue.take() == 1)
        try await waitUntil("the waiting put to return", timeout: .seconds(5)) { returned.value }
        #expect(queue.take() == 2)
    }

    @Test func aTimedTakeOnAnEmptyQueueReturnsNil() {
        let queue = BlockingQueue<Int>(capacity: 1)
        let start = ContinuousClock.now
        #expect(queue.take(timeout: .milliseconds(50)) == nil)
        #expect(ContinuousClock.now - start >= .milliseconds(50))
    }

    @Test func closeLetsTakeDrainWhatIsLeftThenReturnNil() {
        let queue = BlockingQueue<Int>(capacity: 4)
        queue.put(1)
        queue.put(2)
        queue.close()
        #expect(!queue.put(3))
        #expect(!queue.put(3, timeout: .seconds(1)))
        #expect(queue.take() == 1)
        #expect(queue.take() == 2)
        #expect(queue.take() == nil)
    }

    @Test func closeWakesAWaitingTakerAndAWaitingPutter() async throws {
        let empty = BlockingQueue<Int>(capacity: 1)
        let full = BlockingQueue<Int>(capacity: 1)
        full.put(0)
        let takeResult = Shared<Int??>(nil)
        let putResult = Shared<Bool?>(nil)
        let taker = Thread { takeResult.value = .some(empty.take()) }
        let putter = Thread { putResult.value = full.put(1) }
        taker.start()
        putter.start()
        try await Task.sleep(for: .milliseconds(50))
        #expect(takeResult.value == nil && putResult.value == nil, "a waiter returned before close")
        empty.close()
        full.close()
        try await waitUntil("both waiters to return", timeout: .seconds(5)) { takeResult.value != nil && putResult.value != nil }
        #expect(takeResult.value == .some(nil))
        #expect(putResult.value == false)
        #expect(full.take() == 0)
    }
}

/// A value one thread sets and the test reads.
final class Shared<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    var value: Value {
        get { mutex.withLock { $0 } }
        set { mutex.withLock { $0 = newValue } }
    }
}
