import Yams

/// `alerts.rules`: a list of rule mappings. Its fields are validated by ``AlertRuleDraft`` (shared
/// with the JSON of `devices.configuration.alert_rules`); the key name and default come from the table.
extension ConfigKey {
    static func alertRules(_ name: String, _ doc: String) -> ConfigKey {
        ConfigKey(
            name: name, doc: doc + " " + ruleFieldDocs, allowed: nil,
            read: { configuration, node, log in
                guard !node.isNull else { return }
                guard case .sequence(let items) = node else {
                    return log.add(.wrongType, name, "expected a list of rules (- name: …), got \(node.kindDescription)",
                                   line: node.mark?.line)
                }
                configuration.alerts.rules = items.enumerated().compactMap { index, item in
                    readRule(item, path: "\(name)[\(index)]", log)
                }
            },
            render: { configuration in
                let rules = configuration.alerts.rules
                guard !rules.isEmpty else { return .inline("[]") }
                return .block(rules.flatMap { rule in
                    var lines = ["- name: \(quoted(rule.name))", "  sensor: \(quoted(rule.sensor))"]
                    if let above = rule.above { lines.append("  above: \(format(above))") }
                    if let below = rule.below { lines.append("  below: \(format(below))") }
                    lines += [
                        "  hysteresis: \(format(rule.hysteresis))", "  for_s: \(format(rule.forSeconds))",
                        "  severity: \(rule.severity.rawValue)", "  auto_resolve: \(rule.autoResolve)",
                    ]
                    return lines
                })
            },
            check: { configuration in
                let rules = configuration.alerts.rules
                return rules.enumerated().compactMap { index, rule in
                    guard let first = rules.firstIndex(where: { $0.name == rule.name }), first < index else { return nil }
                    return ConfigurationProblem(
                        code: .conflict, key: "\(name)[\(index)].name",
                        message: "\"\(rule.name)\" is already used by \(name)[\(first)]; rule names must be unique")
                }
            })
    }

    /// The rule fields, for the reference documentation.
    private static let ruleFieldDocs = """
        Default: no rules. Fields: name (unique, required); sensor (sensor_types.name, any case, \
        required); above (fires when the value is higher) and/or below (fires when it is lower; above \
        must be greater than below); hysteresis (with auto_resolve: resolves once back inside by this much, default 0); \
        for_s (the condition must hold this long before the alert is raised, default 0); severity \
        (\(choices(AlertSeverity.self)), default medium); auto_resolve (resolve by itself when the \
        value is back, default true). Example: - {name: hot, sensor: temperature, above: 80, \
        hysteresis: 2, severity: high}
        """

    /// One rule; nil (with problems logged) when it is not valid.
    private static func readRule(_ node: Node, path: String, _ log: ProblemLog) -> AlertRule? {
        guard var r = MappingReader(node, path: path, log: log, expected: "a rule (name:, sensor:, above: or below:, …)") else {
            if node.isNull {
                log.add(.missingValue, path, "is an empty list entry; remove the - or write a rule", line: node.mark?.line)
            }
            return nil
        }
        var draft = AlertRuleDraft()
        let before = log.problems.count
        func track(_ field: String, _ body: (inout MappingReader) -> Void) {
            let count = log.problems.count
            body(&r)
            if log.problems.count > count { draft.invalidFields.insert(field) }
        }
        track("name") { $0.read("name", into: &draft.name, .string) }
        track("sensor") { $0.read("sensor", into: &draft.sensor, .string) }
        track("above") { $0.read("above", into: &draft.above, .number) }
        track("below") { $0.read("below", into: &draft.below, .number) }
        track("hysteresis") { $0.read("hysteresis", into: &draft.hysteresis, .number) }
        track("for_s") { $0.read("for_s", into: &draft.forSeconds, .number) }
        track("severity") { $0.read("severity", into: &draft.severity, .choice(AlertSeverity.self)) }
        track("auto_resolve") { $0.read("auto_resolve", into: &draft.autoResolve, .boolean) }
        r.reportUnknownKeys()
        switch draft.build(path: path) {
        case .success(let rule):
            return log.problems.count == before ? rule : nil
        case .failure(let error):
            for problem in error.problems {
                var problem = problem
                problem.line = log.lines[problem.key] ?? node.mark?.line
                log.append(problem)
            }
            return nil
        }
    }
}
