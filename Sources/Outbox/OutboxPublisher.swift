import Foundation
import GatewayConfig
import Logging
import Mailboxes
import Metrics
import Postgres

/// Publishes `gateway_outbox` in order, at QoS 1, and marks each entry published once the broker
/// has acknowledged it; fed by wake-ups from the workers that enqueue (it also polls).
///
/// Guarantees: entries go out in `id` order (their commit order within one connection); an entry is
/// marked only after its PUBACK, and only as part of an acknowledged prefix, so nothing is skipped
/// and a reconnect resumes from the first unacknowledged one. On shutdown (the mailbox closed) it
/// publishes nothing new but still waits for the PUBACKs of what it has published and marks those
/// entries, so a clean restart publishes nothing twice; the gateway stops it before the broker
/// connection for that. An entry acknowledged but not yet marked when the process dies (SIGKILL) is
/// published again at the next start (at least once). With several
/// gateways, one publishes at a time (a session advisory lock on `database.listen_url` or `url`);
/// the others take over when it goes. Entries past `outbox.max_age_hours` or beyond
/// `outbox.max_entries` unpublished are dropped with a log line and `mash_outbox_dropped_total`.
public struct OutboxPublisher: MailboxWorker {
    public typealias Input = OutboxWake
    /// Publishes at QoS 1; the MQTT message id, or nil when not connected or refused.
    public typealias Publish = @Sendable (OutboxMessage) -> Int32?

    let settings: OutboxSettings
    let database: DatabaseSettings
    let acks: PublishAcks
    let publish: Publish
    let brokerConnected: @Sendable () -> Bool
    let logger: Logger

    public init(
        settings: OutboxSettings, database: DatabaseSettings, acks: PublishAcks, publish: @escaping Publish,
        brokerConnected: @escaping @Sendable () -> Bool, logger: Logger
    ) {
        self.settings = settings
        self.database = database
        self.acks = acks
        self.publish = publish
        self.brokerConnected = brokerConnected
        self.logger = logger
    }

    public func run(taking inbox: Mailbox<OutboxWake>) {
        OutboxPublisherLoop(worker: self, inbox: inbox).run()
    }
}

/// Something was committed to the outbox: publish soon.
public struct OutboxWake: Sendable, Equatable {
    public init() {}
}

/// The publisher thread's state and I/O.
final class OutboxPublisherLoop {
    static let lockKey = "mash-gateway outbox publisher"
    static let page = 100
    static let ackTimeout = Duration.seconds(10)
    static let idlePoll = Duration.milliseconds(250)
    static let retryDelay = Duration.seconds(1)
    static let trimInterval = Duration.seconds(60)

    let worker: OutboxPublisher
    let inbox: Mailbox<OutboxWake>
    var logger: Logger { worker.logger }
    var connection: PostgresConnection?
    var holdsLock = false
    var nextTrim = ContinuousClock.now
    var nextBacklog = ContinuousClock.now
    let published = Counter(label: "mash_outbox_published_total")
    let droppedByAge = Counter(label: "mash_outbox_dropped_total", dimensions: [("reason", "age")])
    let droppedByCount = Counter(label: "mash_outbox_dropped_total", dimensions: [("reason", "count")])
    let backlog = Gauge(label: "mash_outbox_unpublished")

    init(worker: OutboxPublisher, inbox: Mailbox<OutboxWake>) {
        self.worker = worker
        self.inbox = inbox
    }

    func run() {
        var wakes: [OutboxWake] = []
        var wait = Duration.zero
        while true {
            inbox.takeAll(into: &wakes, timeout: wait)
            if inbox.isClosed { break }
            do {
                wait = try cycle() ? .zero : Self.idlePoll
            } catch {
                logger.warning("outbox publishing failed; retrying", metadata: ["error": "\(error)"])
                connection?.close()
                connection = nil
                holdsLock = false
                wait = Self.retryDelay
            }
        }
        connection?.close()
        logger.info("outbox publisher stopped")
    }

    /// One round: connect and lock, trim when due, publish one page. True when a full page went out (more may wait).
    private func cycle() throws -> Bool {
        let connection = try connected()
        guard holdsLock else {
            holdsLock = try connection.execute("SELECT pg_try_advisory_lock(hashtext($1)) AS locked", [Self.lockKey])[0, "locked"] == "t"
            if holdsLock { logger.info("outbox publisher active") }
            return false
        }
        let now = ContinuousClock.now
        if now >= nextTrim {
            nextTrim = now + Self.trimInterval
            try trim(connection)
        }
        if now >= nextBacklog {
            nextBacklog = now + .seconds(5)
            backlog.record(try OutboxStore.backlog(on: connection))
        }
        guard worker.brokerConnected() else { return false }
        let entries = try OutboxStore.unpublished(limit: Self.page, on: connection)
        guard !entries.isEmpty else { return false }
        let acknowledged = publishAndWait(entries)
        try OutboxStore.markPublished(acknowledged.map(\.id), on: connection)
        published.increment(by: acknowledged.count)
        return acknowledged.count == Self.page
    }

    /// Publishes `entries` in order and waits for their PUBACKs; returns the acknowledged prefix.
    ///
    /// A shutdown meanwhile does not cut the wait short: an entry the broker has (or is about to
    /// acknowledge) must be marked before the process exits, or the next start publishes it again.
    private func publishAndWait(_ entries: [OutboxEntry]) -> [OutboxEntry] {
        let mark = worker.acks.mark
        var sent: [(entry: OutboxEntry, id: Int32)] = []
        for entry in entries {
            guard let id = worker.publish(entry.message) else { break }
            sent.append((entry, id))
        }
        let deadline = ContinuousClock.now + Self.ackTimeout
        var prefix = 0
        while true {
            while prefix < sent.count, worker.acks.isAcknowledged(sent[prefix].id, since: mark) { prefix += 1 }
            if prefix == sent.count || ContinuousClock.now >= deadline || !worker.brokerConnected() { break }
            usleep(2_000)
        }
        if prefix < sent.count {
            logger.info("outbox entries not acknowledged yet; published again after reconnecting", metadata: [
                "acknowledged": "\(prefix)", "sent": "\(sent.count)",
            ])
        }
        return sent.prefix(prefix).map(\.entry)
    }

    private func trim(_ connection: PostgresConnection) throws {
        let trimmed = try OutboxStore.trim(maxAgeHours: worker.settings.maxAgeHours, maxEntries: worker.settings.maxEntries, on: connection)
        if trimmed.unpublishedByAge > 0 {
            droppedByAge.increment(by: trimmed.unpublishedByAge)
            logger.error("outbox entries dropped unpublished: older than outbox.max_age_hours", metadata: [
                "entries": "\(trimmed.unpublishedByAge)", "max_age_hours": "\(worker.settings.maxAgeHours)",
            ])
        }
        if trimmed.unpublishedByCount > 0 {
            droppedByCount.increment(by: trimmed.unpublishedByCount)
            logger.error("outbox entries dropped unpublished: more than outbox.max_entries waiting", metadata: [
                "entries": "\(trimmed.unpublishedByCount)", "max_entries": "\(worker.settings.maxEntries)",
            ])
        }
    }

    private func connected() throws -> PostgresConnection {
        if let connection, connection.isConnected { return connection }
        connection?.close()
        holdsLock = false
        let database = worker.database
        let fresh = try PostgresConnection.connect(
            database.sessionURL, applicationName: "mash-gateway outbox", connectTimeoutSeconds: database.connectTimeoutSeconds)
        connection = fresh
        return fresh
    }
}
