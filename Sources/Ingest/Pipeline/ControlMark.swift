/// How many inputs each control worker (presence, commands, alerts) had been handed at one
/// instant, in a fixed worker order. Workers settle their inputs in the order they were posted,
/// so a mark is settled once every worker's settled count has reached its entry.
public struct ControlMark: Sendable, Equatable {
    public var posted: [UInt64]

    public init(posted: [UInt64]) {
        self.posted = posted
    }

    /// Settled when each worker's settled count (same order) is at least what was posted.
    public func isSettled(by settled: [UInt64]) -> Bool {
        zip(posted, settled).allSatisfy { $0 <= $1 }
    }
}
