import Foundation

/// An unbounded hand-over point between threads: producers `post` without waiting, one consumer
/// takes everything that has arrived at once.
///
/// The control path's queues: the ingest thread must never wait for presence, commands or alerts
/// (a slow database there would otherwise stall ingestion and, through the ring, the broker).
/// Control messages are a small fraction of traffic and each element is a few dozen bytes, so an
/// unbounded queue is the lesser risk; its depth is visible to the consumer (`takeAll` returns it).
/// Any number of producers; one consumer.
public final class Mailbox<Element: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [Element] = []
    private var closed = false

    public init() {}

    /// Adds one element and wakes the consumer. Elements posted after `close()` are still taken.
    public func post(_ element: Element) {
        condition.lock()
        items.append(element)
        condition.signal()
        condition.unlock()
    }

    public func post(contentsOf elements: [Element]) {
        guard !elements.isEmpty else { return }
        condition.lock()
        items.append(contentsOf: elements)
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

    public var isClosed: Bool {
        condition.lock()
        defer { condition.unlock() }
        return closed
    }
}
