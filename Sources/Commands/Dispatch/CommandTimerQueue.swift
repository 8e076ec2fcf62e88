import Foundation
import WallTime

/// One timer per command in a binary min-heap of absolute deadlines.
///
/// Deadlines are absolute instants (`sent_at + timeout`), never "sleep N seconds" intervals, so
/// firing late does not push later timers back: there is no accumulated drift, only the
/// lateness of the loop that calls `popDue`. Re-arming is O(log n): the old entry stays in the
/// heap and is recognised as stale by its generation; the heap is compacted when stale
/// entries outnumber live ones.
public struct CommandTimerQueue: Sendable {
    struct Entry: Sendable {
        var deadline: WallInstant
        var generation: UInt64
        var id: UUID
    }

    private var heap: [Entry] = []
    /// The live generation of each armed command.
    private var live: [UUID: UInt64] = [:]
    private var nextGeneration: UInt64 = 0

    public init() {}

    /// Armed timers (one per command at most).
    public var count: Int { live.count }

    /// The earliest armed deadline, if any: how long the owner's loop may sleep.
    public var nextDeadline: WallInstant? {
        mutating get {
            dropStaleTop()
            return heap.first?.deadline
        }
    }

    /// Arms (or re-arms) the command's timer at `deadline`, replacing any earlier one.
    public mutating func arm(_ id: UUID, at deadline: WallInstant) {
        nextGeneration += 1
        live[id] = nextGeneration
        push(Entry(deadline: deadline, generation: nextGeneration, id: id))
        if heap.count > 64 && heap.count > 2 * live.count { compact() }
    }

    public mutating func disarm(_ id: UUID) {
        live[id] = nil
    }

    /// The commands whose deadline is at or before `now`, earliest first, with their deadlines; each is disarmed.
    public mutating func popDue(now: WallInstant) -> [(id: UUID, deadline: WallInstant)] {
        var due: [(id: UUID, deadline: WallInstant)] = []
        while let top = heap.first, top.deadline <= now {
            pop()
            if live[top.id] == top.generation {
                live[top.id] = nil
                due.append((top.id, top.deadline))
            }
        }
        return due
    }

    private mutating func dropStaleTop() {
        while let top = heap.first, live[top.id] != top.generation { pop() }
    }

    private mutating func compact() {
        heap.removeAll { live[$0.id] != $0.generation }
        heap.sort { Self.before($0, $1) }  // a sorted array is a valid heap
    }

    private static func before(_ a: Entry, _ b: Entry) -> Bool {
        (a.deadline, a.generation) < (b.deadline, b.generation)
    }

    private mutating func push(_ entry: Entry) {
        heap.append(entry)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.before(heap[child], heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func pop() {
        let last = heap.removeLast()
        guard !heap.isEmpty else { return }
        heap[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < heap.count, Self.before(heap[left], heap[smallest]) { smallest = left }
            if right < heap.count, Self.before(heap[right], heap[smallest]) { smallest = right }
            if smallest == parent { break }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
