import Postgres
import Synchronization

/// One database connection for cache misses and refreshes, used by one caller at a time.
///
/// Queries run while holding the lock, so concurrent misses are serialized (libpq allows one
/// thread per connection) while cache hits, which never come here, proceed. After a failure to
/// reach the server, calls fail at once until `retryInterval` has passed: a burst of misses while
/// PostgreSQL is down must not stall the ingest thread on one connect timeout each.
final class LookupConnection: Sendable {
    let url: String
    let applicationName: String
    let retryInterval: Duration
    let now: @Sendable () -> ContinuousClock.Instant

    private struct State: ~Copyable {
        var connection: PostgresConnection?
        var retryAfter: ContinuousClock.Instant?
        var lastFailure: PostgresError?
    }

    private let state: Mutex<State>

    init(url: String, applicationName: String, retryInterval: Duration,
         now: @escaping @Sendable () -> ContinuousClock.Instant) {
        self.url = url
        self.applicationName = applicationName
        self.retryInterval = retryInterval
        self.now = now
        state = Mutex(State())
    }

    /// Runs `body` on the connection, opening it first if needed.
    ///
    /// A lost connection is dropped (the next call reconnects); a failed statement keeps it.
    func run<T: Sendable>(_ body: (PostgresConnection) throws(PostgresError) -> T) throws(PostgresError) -> T {
        try state.withLock { (state) throws(PostgresError) -> T in
            let connection: PostgresConnection
            if let open = state.connection {
                connection = open
            } else {
                if let retryAfter = state.retryAfter, now() < retryAfter, let failure = state.lastFailure {
                    throw failure
                }
                do throws(PostgresError) {
                    connection = try PostgresConnection.connect(url, applicationName: applicationName)
                } catch {
                    state.retryAfter = now() + retryInterval
                    state.lastFailure = error
                    throw error
                }
                state.connection = connection
                state.retryAfter = nil
                state.lastFailure = nil
            }
            do throws(PostgresError) {
                return try body(connection)
            } catch {
                if error.code == .connectionLost || error.code == .notConnected || !connection.isConnected {
                    connection.close()
                    state.connection = nil
                    state.retryAfter = now() + retryInterval
                    state.lastFailure = error
                }
                throw error
            }
        }
    }

    func close() {
        state.withLock { state in
            state.connection?.close()
            state.connection = nil
        }
    }
}
