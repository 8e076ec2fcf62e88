import Foundation
import Synchronization

/// An unbounded hand-over point between threads: producers `post` without waiting, one consumer
/// takes everything that has arrived at once.
///
/// The control path's queues: the ingest thread must never wait for presence, commands or alerts
/// (a slow database there would otherwise stall ingestion and, through the ring, the broker).
/// Control messages are a small fraction of traffic and each element is a few dozen bytes, so an
/// unbounded queue is the lesser risk; its depth is visible to the consumer (`takeAll` returns it).
/// Any number of producers; one consumer.
///
/// Elements are numbered in the order they were posted (`posted` counts them); the consumer says
/// how many of them, from the first, have their effects committed (`settle(through:)`). The ingest
/// path compares the two to release a control message's ring record only behind its effect.
public final class Mailbox<Element: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [Element] = []
    private var closed = false
    private var postedCount: UInt64 = 0
    private let settledCount = Atomic<UInt64>(0)

    public init() {}

    /// Adds one element and wakes the consumer. Elements posted after `close()` are still taken.
    public func post(_ element: Element) {
        condition.lock()
        items.append(element)
        postedCount += 1
        condition.signal()
        condition.unlock()
    }

    public func post(contentsOf elements: [Element]) {
        guard !elements.isEmpty else { return }
        condition.lock()
        items.append(contentsOf: elements)
        postedCount += UInt64(elements.count)
        condition.signal()
        condition.unlock()
    }

    /// Waits up to `timeout` for at least one element (not at all once closed) and moves every
    /// waiting element into `buffer` (which is emptied first; its capacity is reused).
    public func takeAll(into buffer: inout [Element], timeout: Duration) {
        buffer.removeAll(keepingCapacity: true)
        condition.lock()
        defer { condition.unlock() }
        if items.isEmpty && !closed && timeout > .zero {
            let (seconds, attoseconds) = timeout.components
            let deadline = Date().addingTimeInterval(Double(seconds) + Double(attoseconds) / 1e18)
            while items.isEmpty && !closed {
                if !condition.wait(until: deadline) { break }
            }
        }
        swap(&items, &buffer)
    }

    /// Ends waiting: the consumer drains what is left and sees `isClosed`.
    public func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    /// How many elements were posted since the mailbox was made.
    public var posted: UInt64 {
        condition.lock()
        defer { condition.unlock() }
        return postedCount
    }

    /// How many elements, counted from the first ever posted, have their effects committed (consumer only).
    public var settled: UInt64 { settledCount.load(ordering: .acquiring) }

    /// The consumer: the first `count` elements ever posted have their effects committed (or were
    /// reported as dropped). Never moves back.
    public func settle(through count: UInt64) {
        var current = settledCount.load(ordering: .relaxed)
        while count > current {
            let (exchanged, original) = settledCount.compareExchange(expected: current, desired: count, ordering: .releasing)
            if exchanged { return }
            current = original
        }
    }

    public var isClosed: Bool {
        condition.lock()
        defer { condition.unlock() }
        return closed
    }
}
