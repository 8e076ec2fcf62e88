/// How many inputs each control worker (presence, commands, alerts) had been handed at one
/// instant, in a fixed worker order. Workers settle their inputs in the order they were posted,
/// so a mark is settled once every worker's settled count has reached its entry.
///
/// The counts are inline (at most `maxWorkers`, missing ones 0), not an array: the ring holds one
/// mark per control record until its effect is committed, and with 100,000 devices' heartbeats and
/// status messages held between presence writes, an array per mark (a heap block of ≈ 64 bytes)
/// was tens of MiB of the gateway's peak. A mark is plain data: holding it allocates nothing.
public struct ControlMark: Sendable, Equatable, ExpressibleByArrayLiteral {
    /// The gateway has three workers: presence, commands, alerts.
    public static let maxWorkers = 3

    private var first: UInt64
    private var second: UInt64
    private var third: UInt64

    /// The hot path's mark: no allocation.
    public init(_ first: UInt64, _ second: UInt64 = 0, _ third: UInt64 = 0) {
        (self.first, self.second, self.third) = (first, second, third)
    }

    /// Counts in worker order; at most `maxWorkers`, the missing ones 0 (for tests and literals).
    public init(posted: [UInt64]) {
        precondition(posted.count <= Self.maxWorkers, "ControlMark: more than \(Self.maxWorkers) workers")
        self.init(posted.count > 0 ? posted[0] : 0, posted.count > 1 ? posted[1] : 0, posted.count > 2 ? posted[2] : 0)
    }

    public init(arrayLiteral elements: UInt64...) {
        self.init(posted: elements)
    }

    public var posted: [UInt64] { [first, second, third] }

    /// Settled when each worker's settled count (same order) is at least what was posted.
    public func isSettled(by settled: ControlMark) -> Bool {
        first <= settled.first && second <= settled.second && third <= settled.third
    }
}
