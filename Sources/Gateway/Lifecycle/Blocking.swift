import Foundation

/// Runs a blocking call (libpq, a file sync) on its own thread and awaits the result.
///
/// The cooperative pool has one thread per core (two here); a blocking libpq connect with a
/// five-second timeout must not sit on one of them. Meant for start-up and other rare calls;
/// hot paths own a dedicated thread instead.
func onDedicatedThread<T: Sendable>(_ name: String, _ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            continuation.resume(with: Result { try body() })
        }
        thread.name = name
        thread.start()
    }
}
