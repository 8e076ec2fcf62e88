import Foundation

/// Runs blocking work (a thread join, a libpq call waiting on a lock, a pool's `finish()`) on a
/// thread of its own and awaits it.
///
/// The cooperative pool has one thread per core (two here) and adds none for a blocked one: a
/// test that blocks it stalls every other test in the process, and their deadlines run out.
public func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.name = "mash-test blocking"
        thread.start()
    }
}

/// Runs each body on a thread of its own, all released at the same instant, and returns their
/// results in order: for tests of what two instances do at once.
public func simultaneously<T: Sendable>(_ bodies: [@Sendable () throws -> T]) async throws -> [T] {
    let start = DispatchGroup()
    start.enter()
    return try await withThrowingTaskGroup(of: (Int, T).self) { group in
        for (index, body) in bodies.enumerated() {
            group.addTask {
                (index, try await onThread {
                    start.wait()
                    return try body()
                })
            }
        }
        start.leave()
        var results = [T?](repeating: nil, count: bodies.count)
        for try await (index, value) in group { results[index] = value }
        return results.map { $0! }
    }
}
