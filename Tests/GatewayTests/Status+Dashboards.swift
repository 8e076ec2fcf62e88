import Foundation
import Testing
import TestSupport
import Yams

/// `Config/grafana-dashboard.json` and `Config/prometheus-alerts.yml` name only metrics the
/// gateway exports: every `mash_*` name in their queries appears in a live scrape taken after
/// telemetry, a reject and a command have gone through (so no series is missing for lack of traffic).
@Suite("Dashboards and alert rules", .timeLimit(.minutes(3)))
struct DashboardMetricTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test("every metric the Grafana dashboard and the Prometheus rules name is in a live /metrics scrape")
    func everyNamedMetricIsExported() async throws {
        let dashboard = try Self.dashboardExpressions()
        let rules = try Self.alertRuleExpressions()
        #expect(dashboard.count >= 8, "dashboard panels with queries: \(dashboard.count)")
        #expect(rules.count >= 6, "alerting rules: \(rules.count)")
        let named = Self.metricNames(in: dashboard + rules)
        #expect(named.count >= 15, "names referenced: \(named.sorted())")

        let port = try freeLoopbackPort()
        try await IngestFixture.with(httpPort: port) { f in
            try f.publishBurst(messages: 5, startSecond: 1_767_225_600)
            try f.device.publish("devices/sn-kitchen/telemetry", "{not json")
            try await f.expectCount("SELECT count(*) FROM ingest_rejects", 1)
            let exported = try await waitFor("the command and alert gauges in /metrics", timeout: .seconds(30)) {
                let names = (try? httpGet(port: port, path: "/metrics")).map { Self.exportedNames($0.body) } ?? []
                return names.contains("mash_commands") && names.contains("mash_alerts_open") ? names : nil
            }
            let missing = named.subtracting(exported)
            #expect(missing.isEmpty, "named in Config/ but not exported: \(missing.sorted()); exported: \(exported.sorted())")
        }
    }

    @Test("a misspelt metric name is caught")
    func misspeltNameIsCaught() {
        let names = Self.metricNames(in: ["rate(mash_readings_stord_total[5m])", "mash_spool_bytes / 2"])
        let exported = Self.exportedNames("# TYPE mash_spool_bytes gauge\nmash_spool_bytes 0\nmash_readings_stored_total 3\n")
        #expect(names.subtracting(exported) == ["mash_readings_stord_total"])
    }

    // MARK: Reading the files

    /// Every `expr` of every panel target, rows' nested panels included.
    static func dashboardExpressions() throws -> [String] {
        let data = try Data(contentsOf: repository.appendingPathComponent("Config/grafana-dashboard.json"))
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        var expressions = [String]()
        func walk(_ panels: [[String: Any]]) {
            for panel in panels {
                for target in panel["targets"] as? [[String: Any]] ?? [] {
                    if let expr = target["expr"] as? String { expressions.append(expr) }
                }
                walk(panel["panels"] as? [[String: Any]] ?? [])
            }
        }
        walk(root["panels"] as? [[String: Any]] ?? [])
        return expressions
    }

    /// Every alerting rule's `expr`.
    static func alertRuleExpressions() throws -> [String] {
        let text = try String(contentsOf: repository.appendingPathComponent("Config/prometheus-alerts.yml"), encoding: .utf8)
        let root = try #require(try Yams.load(yaml: text) as? [String: Any])
        let groups = try #require(root["groups"] as? [[String: Any]])
        return groups.flatMap { ($0["rules"] as? [[String: Any]] ?? []).compactMap { $0["expr"] as? String } }
    }

    static func metricNames(in expressions: [String]) -> Set<String> {
        let pattern = try! Regex(#"\bmash_[a-zA-Z0-9_]+"#)
        return Set(expressions.flatMap { $0.matches(of: pattern).map { String($0.output[0].substring ?? "") } })
    }

    /// The metric names of the sample lines of a Prometheus text exposition.
    static func exportedNames(_ text: String) -> Set<String> {
        Set(text.split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap {
            $0.split(whereSeparator: { $0 == "{" || $0 == " " }).first.map(String.init)
        })
    }
}
