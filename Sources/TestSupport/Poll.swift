import Foundation

/// A condition that did not come true before its deadline; the message says what was awaited.
public struct DeadlineExceeded: Error, CustomStringConvertible {
    public let what: String
    public let waited: Duration
    public var description: String { "timed out after \(waited) waiting for \(what)" }
}

/// Polls `condition` until it returns true or `timeout` passes.
///
/// Tests wait for observable conditions, never for a fixed time: a fast machine passes at
/// once, a slow one gets the whole deadline, and a failure says what never happened.
public func waitUntil(
    _ what: String,
    timeout: Duration = .seconds(20),
    every interval: Duration = .milliseconds(20),
    _ condition: () async throws -> Bool
) async throws {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while true {
        if try await condition() { return }
        if clock.now >= deadline { throw DeadlineExceeded(what: what, waited: timeout) }
        try await Task.sleep(for: interval)
    }
}

/// Polls `produce` until it returns a value, or throws `DeadlineExceeded`.
public func waitFor<T>(
    _ what: String,
    timeout: Duration = .seconds(20),
    every interval: Duration = .milliseconds(20),
    _ produce: () async throws -> T?
) async throws -> T {
    var result: T?
    try await waitUntil(what, timeout: timeout, every: interval) {
        result = try await produce()
        return result != nil
    }
    return result!
}
