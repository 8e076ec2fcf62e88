import GatewayConfig
import Metrics
import Postgres

/// The alert path's metrics: what is open by severity (read from the database, so it covers
/// every alert type and every gateway instance) and what this instance raised, escalated,
/// saw acknowledged and resolved.
///
/// - `mash_alerts_open{severity}`: unresolved alerts (gauge, refreshed every `refreshInterval` on
///   the alert connection through the partial index on open alerts' severity).
/// - `mash_alert_events_total{event}`: `raised`, `escalated`, `acknowledged`, `resolved`, for
///   threshold and device-offline alerts alike.
public final class AlertMetrics: Sendable {
    public static let refreshInterval = Duration.seconds(5)
    public static let shared = AlertMetrics()

    private let open = Dictionary(uniqueKeysWithValues: AlertSeverity.allCases.map {
        ($0.rawValue, Gauge(label: "mash_alerts_open", dimensions: [("severity", $0.rawValue)]))
    })
    private let events = Dictionary(uniqueKeysWithValues: [AlertNotice.Event.raised, .escalated, .acknowledged, .resolved].map {
        ($0, Counter(label: "mash_alert_events_total", dimensions: [("event", $0.rawValue)]))
    })

    private init() {
        for gauge in open.values { gauge.record(0) }
    }

    /// One alert event went out (or was stored; publishing is best effort).
    public func count(_ event: AlertNotice.Event) { events[event]?.increment() }

    /// Counts the unresolved alerts by severity; severities with none read 0.
    func refreshOpen(on connection: PostgresConnection) throws(PostgresError) {
        let rows = try connection.execute("SELECT severity, count(*) AS n FROM alerts WHERE resolved = FALSE GROUP BY severity")
        var counts = [String: Int]()
        for index in 0..<rows.count {
            if let severity = rows[index, "severity"], let count = rows[index, "n"].flatMap(Int.init) { counts[severity] = count }
        }
        for (severity, gauge) in open { gauge.record(counts[severity] ?? 0) }
    }
}
