import Metrics
import Postgres

/// The command path's metrics: what is waiting in each unfinished status (read from the database,
/// so it covers every gateway instance), what finished how, and the sends, retries and timeouts.
///
/// - `mash_commands{status}`: commands now `pending`, `sent` or `acknowledged` (gauge, refreshed
///   every `refreshInterval` on the command connection; an index scan of the unfinished rows).
/// - `mash_commands_finished_total{status}`: commands this instance moved to `completed`,
///   `failed` or `timeout`.
/// - `mash_command_sends_total`, `mash_command_retries_total` (sends after the first attempt),
///   `mash_command_timeouts_total`, `mash_command_publish_failures_total`.
final class CommandMetrics: Sendable {
    static let refreshInterval = Duration.seconds(5)

    private let unfinished = Dictionary(uniqueKeysWithValues: CommandStatus.allCases.filter { !$0.isTerminal }.map {
        ($0, Gauge(label: "mash_commands", dimensions: [("status", $0.rawValue)]))
    })
    private let finishedCounters = Dictionary(uniqueKeysWithValues: CommandStatus.allCases.filter(\.isTerminal).map {
        ($0, Counter(label: "mash_commands_finished_total", dimensions: [("status", $0.rawValue)]))
    })
    private let sends = Counter(label: "mash_command_sends_total")
    private let retries = Counter(label: "mash_command_retries_total")
    private let timeouts = Counter(label: "mash_command_timeouts_total")
    private let publishFailures = Counter(label: "mash_command_publish_failures_total")

    static let shared = CommandMetrics()

    private init() {
        for gauge in unfinished.values { gauge.record(0) }
    }

    func sent(attempt: Int) {
        sends.increment()
        if attempt > 1 { retries.increment() }
    }

    func publishFailed() { publishFailures.increment() }

    func finished(_ status: CommandStatus) {
        finishedCounters[status]?.increment()
        if status == .timeout { timeouts.increment() }
    }

    /// Counts the unfinished commands by status; statuses with none read 0.
    func refreshUnfinished(on connection: PostgresConnection) throws(PostgresError) {
        let rows = try connection.execute("""
            SELECT status, count(*) AS n FROM device_commands
            WHERE status IN ('pending', 'sent', 'acknowledged') GROUP BY status
            """)
        var counts = [String: Int]()
        for index in 0..<rows.count {
            if let status = rows[index, "status"], let count = rows[index, "n"].flatMap(Int.init) { counts[status] = count }
        }
        for (status, gauge) in unfinished { gauge.record(counts[status.rawValue] ?? 0) }
    }
}
