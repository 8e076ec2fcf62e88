import Synchronization

/// A one-way latch that tasks can await: set once, when a dependency becomes usable.
///
/// Services start together under the ServiceGroup; the broker connection waits on the database's
/// latch so that it never accepts a message before the schema has been checked.
public final class Readiness: Sendable {
    private enum State {
        case waiting([UnsafeContinuation<Void, Never>])
        case ready
    }
    private let state = Mutex<State>(.waiting([]))

    public init() {}

    public var isReady: Bool { state.withLock { if case .ready = $0 { true } else { false } } }

    /// Releases every waiter, now and later. Idempotent.
    public func signal() {
        let waiters = state.withLock { state -> [UnsafeContinuation<Void, Never>] in
            guard case .waiting(let waiters) = state else { return [] }
            state = .ready
            return waiters
        }
        waiters.forEach { $0.resume() }
    }

    /// Returns once `signal()` was called; throws `CancellationError` if the task is cancelled first.
    public func wait() async throws {
        // Polling cancellation keeps this simple and correct; the waits are at start-up only.
        while !isReady {
            try Task.checkCancellation()
            await withTaskCancellationHandler {
                await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
                    let resumeNow = state.withLock { state -> Bool in
                        // Checked under the lock: a cancellation handler that already ran has
                        // drained the waiters before this one was added.
                        guard case .waiting(var waiters) = state, !Task.isCancelled else { return true }
                        waiters.append(continuation)
                        state = .waiting(waiters)
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            } onCancel: {
                // Wake everyone; those not cancelled see `isReady` false and wait again.
                let waiters = state.withLock { state -> [UnsafeContinuation<Void, Never>] in
                    guard case .waiting(let waiters) = state else { return [] }
                    state = .waiting([])
                    return waiters
                }
                waiters.forEach { $0.resume() }
            }
        }
    }
}
