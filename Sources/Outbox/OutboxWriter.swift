import Postgres

/// How a worker publishes: it appends the messages to the outbox on its own connection, inside the
/// transaction of the change that causes them, and after the commit wakes the publisher.
public struct OutboxWriter: Sendable {
    private let wake: @Sendable () -> Void

    /// `wake` tells the publisher that something was committed (it also polls, so a missed wake only delays).
    public init(wake: @escaping @Sendable () -> Void) {
        self.wake = wake
    }

    /// Appends `messages`, in order; call inside the transaction of their cause.
    public func enqueue(_ messages: [OutboxMessage], on connection: PostgresConnection) throws(StoreError) {
        try OutboxStore.enqueue(messages, on: connection)
    }

    /// The transaction that enqueued committed: publish soon.
    public func committed() { wake() }
}
