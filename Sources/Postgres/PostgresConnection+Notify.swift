import CLibPQ
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One NOTIFY received on a channel this connection listens to.
public struct PostgresNotification: Sendable, Equatable {
    public var channel: String
    public var payload: String
    /// The backend process that sent it (`pg_backend_pid()` of the notifier).
    public var pid: Int32

    public init(channel: String, payload: String, pid: Int32) {
        self.channel = channel
        self.payload = payload
        self.pid = pid
    }
}

extension PostgresConnection {
    /// Subscribes to `channel` (any name; it is quoted). Kept across `reconnect()`.
    ///
    /// Use a dedicated connection: notifications are only read by `notifications(timeout:)`,
    /// and they arrive only between transactions.
    public func listen(_ channel: String) throws(PostgresError) {
        try execute("LISTEN \(quoteIdentifier(channel))")
        if !listenedChannels.contains(channel) { listenedChannels.append(channel) }
    }

    public func unlisten(_ channel: String) throws(PostgresError) {
        try execute("UNLISTEN \(quoteIdentifier(channel))")
        listenedChannels.removeAll { $0 == channel }
    }

    /// Sends a notification (pg_notify, so the payload is a parameter).
    public func notify(_ channel: String, payload: String = "") throws(PostgresError) {
        try execute("SELECT pg_notify($1, $2)", [channel, payload])
    }

    /// Waits up to `timeout` for notifications and returns all that have arrived; empty on timeout.
    ///
    /// Returns as soon as at least one is available. Throws `.connectionLost` when the server goes away,
    /// so a listener loop notices and can `reconnect()`.
    public func notifications(timeout: Duration) throws(PostgresError) -> [PostgresNotification] {
        let connection = self.connection
        try check(.call(1), "wait for notifications", failure: .queryFailed, connection: connection)
        guard let connection else { return [] }
        // Some may already be buffered by an earlier call.
        try check(.call(PQconsumeInput(connection)), "wait for notifications", failure: .connectionLost, connection: connection)
        var received = drainNotifications(connection)
        guard received.isEmpty else { return received }

        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while received.isEmpty {
            let remaining = clock.now.duration(to: deadline)
            guard remaining > .zero else { break }
            let milliseconds = Int32(clamping: remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000 + 1)
            var descriptor = pollfd(fd: PQsocket(connection), events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, milliseconds)
            if ready < 0 {
                if errno == EINTR { continue }
                throw PostgresError(.connectionLost, message: "poll failed: errno \(errno)", target: url.target, operation: "wait for notifications")
            }
            if ready == 0 { continue }
            try check(.call(PQconsumeInput(connection)), "wait for notifications", failure: .connectionLost, connection: connection)
            received = drainNotifications(connection)
            if PQstatus(connection) == CONNECTION_BAD {
                try check(.call(0), "wait for notifications", failure: .connectionLost, connection: connection)
            }
        }
        return received
    }

    private func drainNotifications(_ connection: OpaquePointer) -> [PostgresNotification] {
        var received: [PostgresNotification] = []
        while let notify = PQnotifies(connection) {
            received.append(PostgresNotification(
                channel: String(cString: notify.pointee.relname),
                payload: String(cString: notify.pointee.extra),
                pid: notify.pointee.be_pid
            ))
            PQfreemem(notify)
        }
        return received
    }
}
