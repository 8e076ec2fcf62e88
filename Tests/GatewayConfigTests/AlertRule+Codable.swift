import Foundation
import Testing
@testable import GatewayConfig

@Suite struct AlertRuleCodableTests {
    @Test func jsonRoundTrip() throws {
        let rules = [
            try AlertRule(name: "hot", sensor: "temperature", above: 80, hysteresis: 2, forSeconds: 0, severity: .high),
            try AlertRule(name: "band", sensor: "humidity", above: 70.5, below: -3.25, hysteresis: 1, forSeconds: 12.5,
                          severity: .critical, autoResolve: false),
            try AlertRule(name: "cold", sensor: "temperature", below: -10),
        ]
        for rule in rules {
            let data = try JSONEncoder().encode(rule)
            #expect(try JSONDecoder().decode(AlertRule.self, from: data) == rule)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let text = String(decoding: try encoder.encode(rules[0]), as: UTF8.self)
        #expect(text == #"{"above":80,"auto_resolve":true,"for_s":0,"hysteresis":2,"name":"hot","sensor":"temperature","severity":"high"}"#)
    }

    @Test func jsonDefaultsMatchTheYAMLDefaults() throws {
        let rule = try JSONDecoder().decode(AlertRule.self, from: Data(#"{"name":"x","sensor":"t","above":1}"#.utf8))
        #expect(rule == (try AlertRule(name: "x", sensor: "t", above: 1)))
    }

    @Test func invalidJSONRuleThrowsAllProblems() {
        do {
            _ = try JSONDecoder().decode(AlertRule.self, from: Data(#"{"name":"x","above":"hot","severity":"meh","colour":1}"#.utf8))
            Issue.record("decoded")
        } catch let error as ConfigurationError {
            #expect(Set(error.problems.map(\.key)) == ["colour", "sensor", "above", "severity"])
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func validatingInitializer() {
        #expect(throws: ConfigurationError.self) { try AlertRule(name: "x", sensor: "t") }
        #expect(throws: ConfigurationError.self) { try AlertRule(name: "x", sensor: "t", above: 1, below: 2) }
        #expect(throws: ConfigurationError.self) { try AlertRule(name: "x", sensor: "t", above: .nan) }
        #expect(throws: ConfigurationError.self) { try AlertRule(name: " ", sensor: "t", above: 1) }
        #expect(throws: ConfigurationError.self) { try AlertRule(name: "x", sensor: "t", above: 1, forSeconds: -1) }
        #expect(throws: Never.self) { try AlertRule(name: "x", sensor: "t", above: 10, below: 0, hysteresis: 5) }
    }

    @Test func deviceRulesKeepTheGoodOnesAndReportTheBad() throws {
        let json = #"""
        {"display": "x", "alert_rules": [
            {"name": "hot", "sensor": "temperature", "above": 60},
            {"name": "broken", "sensor": "temperature"},
            {"name": "hot", "sensor": "humidity", "above": 1},
            "nonsense",
            {"name": "wet", "sensor": "humidity", "above": 90, "severity": "low"}
        ]}
        """#
        let (rules, found) = AlertRule.deviceRules(configurationJSON: json)
        #expect(rules.map(\.name) == ["hot", "wet"])
        #expect(found.map(\.key) == [
            "configuration.alert_rules[1].above", "configuration.alert_rules[2].name", "configuration.alert_rules[3]",
        ])
    }

    @Test(arguments: ["{}", "", "null", #"{"alert_rules": null}"#, #"{"alert_rules": []}"#])
    func deviceWithoutRules(json: String) {
        let (rules, found) = AlertRule.deviceRules(configurationJSON: json)
        #expect(rules.isEmpty)
        #expect(found.isEmpty)
    }

    @Test(arguments: [("[1]", "configuration"), ("{", "configuration"), (#"{"alert_rules": {}}"#, "configuration.alert_rules")])
    func malformedDeviceConfiguration(json: String, key: String) {
        let (rules, found) = AlertRule.deviceRules(configurationJSON: json)
        #expect(rules.isEmpty)
        #expect(found.map(\.key) == [key])
    }

    @Test func deviceRulesReplaceByNameAndAdd() throws {
        let hot = try AlertRule(name: "hot", sensor: "temperature", above: 80)
        let cold = try AlertRule(name: "cold", sensor: "temperature", below: 0)
        let hotter = try AlertRule(name: "hot", sensor: "temperature", above: 95, severity: .critical)
        let wet = try AlertRule(name: "wet", sensor: "humidity", above: 90)
        #expect(AlertRule.merged(configured: [hot, cold], device: [wet, hotter]) == [hotter, cold, wet])
        #expect(AlertRule.merged(configured: [hot], device: []) == [hot])
    }

    @Test func severityMapsToNotificationPriority() {
        #expect(AlertSeverity.allCases.map(\.notificationPriority) == ["low", "normal", "high", "urgent"])
    }
}
