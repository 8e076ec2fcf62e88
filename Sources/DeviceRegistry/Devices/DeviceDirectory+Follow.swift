#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import Postgres

extension DeviceDirectory {
    /// Applies `mash_devices` notifications to the cache until `shouldStop()` returns true; blocks the
    /// calling thread (give it a dedicated one).
    ///
    /// Uses its own connection, as LISTEN requires. When the connection breaks, notifications sent
    /// meanwhile are lost, so after reconnecting it reloads the whole cache. Checks `shouldStop`
    /// at least every `pollInterval`.
    public func followChanges(
        databaseURL: String, pollInterval: Duration = .milliseconds(500),
        reconnectDelay: Duration = .seconds(1), shouldStop: () -> Bool
    ) {
        var listener: PostgresConnection?
        var needsReload = false
        while !shouldStop() {
            do throws(PostgresError) {
                if listener == nil {
                    let connection = try PostgresConnection.connect(databaseURL, applicationName: "mash-gateway device changes")
                    try connection.listen(Self.changeChannel)
                    listener = connection
                    if needsReload { try load() }
                    needsReload = false
                }
                guard let connection = listener else { continue }
                for notification in try connection.notifications(timeout: pollInterval) {
                    try handleChange(id: notification.payload)
                }
            } catch {
                logger.warning("device change listener failed; will reconnect and reload", metadata: ["error": "\(error)"])
                listener?.close()
                listener = nil
                needsReload = true
                let clock = ContinuousClock()
                let until = clock.now + reconnectDelay
                while clock.now < until, !shouldStop() {
                    Self.pause(for: min(pollInterval, clock.now.duration(to: until)))
                }
            }
        }
        listener?.close()
    }

    private static func pause(for duration: Duration) {
        guard duration > .zero else { return }
        let (seconds, attoseconds) = duration.components
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
        _ = nanosleep(&request, nil)
    }
}
