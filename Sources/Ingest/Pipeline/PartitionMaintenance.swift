import GatewayConfig
import Logging

/// Creates the coming partitions and drops the expired ones, on a short-lived connection.
///
/// Runs at start and hourly; a failure is logged and retried at the next run (partitions are
/// also created on demand by the writers, so a missed run never loses a reading).
struct PartitionMaintenance: Sendable {
    let databaseURL: String
    let settings: PartitionSettings
    let logger: Logger

    func run(now: Int64) {
        do {
            let writer = try BatchWriter.connect(url: databaseURL, partitions: settings, applicationName: "mash-gateway partitions", logger: logger)
            defer { writer.connection.close() }
            let made = try writer.premakePartitions(now: now)
            let dropped = try writer.dropExpiredPartitions(now: now)
            if !made.isEmpty || !dropped.isEmpty {
                logger.info("partition maintenance", metadata: ["created": "\(made)", "dropped": "\(dropped)"])
            }
        } catch {
            logger.warning("partition maintenance failed; retrying in an hour", metadata: ["error": "\(error)"])
        }
    }
}
