import Foundation

/// A bounded FIFO between threads: `put` waits while full, `take` while empty.
///
/// The writer pool's hand-over point. Bounded so that slow writers hold the consumer back
/// (and through the ring, the broker) instead of letting batches pile up in memory.
final class BlockingQueue<Element: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    /// Taken slots are cleared at once: a queue that kept its taken elements would hold a second
    /// reference to each batch's buffers, and the next mutation of the batch would copy them.
    private var items: [Element?] = []
    private var head = 0
    private var closed = false
    let capacity: Int

    init(capacity: Int) { self.capacity = max(1, capacity) }

    /// Waits for room; false (and the element dropped by the caller's choice) only after `close()`.
    @discardableResult
    func put(_ element: Element) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while items.count - head >= capacity && !closed { condition.wait() }
        guard !closed else { return false }
        items.append(element)
        condition.broadcast()
        return true
    }

    /// Waits at most `timeout` for room; false when it passed (or the queue is closed).
    func put(_ element: Element, timeout: Duration) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date().addingTimeInterval(Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18)
        while items.count - head >= capacity && !closed {
            if !condition.wait(until: deadline) && items.count - head >= capacity { return false }
        }
        guard !closed else { return false }
        items.append(element)
        condition.broadcast()
        return true
    }

    /// The next element; nil when closed and empty, or when `timeout` passes.
    func take(timeout: Duration? = nil) -> Element? {
        condition.lock()
        defer { condition.unlock() }
        let deadline = timeout.map { Date().addingTimeInterval(Double($0.components.seconds) + Double($0.components.attoseconds) / 1e18) }
        while items.count - head == 0 {
            if closed { return nil }
            if let deadline {
                if !condition.wait(until: deadline) && items.count - head == 0 { return nil }
            } else {
                condition.wait()
            }
        }
        let element = items[head].take()!
        head += 1
        if head > 64 && head * 2 > items.count {
            items.removeFirst(head)
            head = 0
        }
        condition.broadcast()
        return element
    }

    var count: Int {
        condition.lock()
        defer { condition.unlock() }
        return items.count - head
    }

    /// Wakes every waiter; `take` drains what is left, then returns nil.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }
}
