import Foundation

extension AlertRule {
    /// The rules in a device's `configuration` JSON (`{"alert_rules": [...], ...}`), each checked on its own.
    ///
    /// A bad rule is left out and reported (keyed `configuration.alert_rules[i].field`) while the good ones
    /// still apply, so one typo on one device does not disable its other rules. Other keys of the
    /// configuration are not ours and are ignored; a missing `alert_rules` means no device rules.
    /// A repeated name keeps the first rule and reports the later one.
    public static func deviceRules(configurationJSON: String) -> (rules: [AlertRule], problems: [ConfigurationProblem]) {
        let trimmed = configurationJSON.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty || trimmed == "null" { return ([], []) }
        let parsed: DeviceConfiguration
        do {
            parsed = try JSONDecoder().decode(DeviceConfiguration.self, from: Data(trimmed.utf8))
        } catch {
            let problem: ConfigurationProblem
            if case DecodingError.typeMismatch(_, let context) = error, !context.codingPath.isEmpty {
                problem = ConfigurationProblem(
                    code: .wrongType, key: "configuration.alert_rules",
                    message: "expected a list of rules: [{\"name\":…,\"sensor\":…,\"above\":…}]")
            } else {
                problem = ConfigurationProblem(
                    code: .syntax, key: "configuration", message: "is not a JSON object; expected {\"alert_rules\": [...]}")
            }
            return ([], [problem])
        }
        var rules: [AlertRule] = []
        var problems: [ConfigurationProblem] = []
        for (index, entry) in (parsed.alertRules ?? []).enumerated() {
            switch entry.result {
            case .failure(let error):
                problems += error.problems
            case .success(let rule):
                if let first = rules.firstIndex(where: { $0.name == rule.name }) {
                    problems.append(ConfigurationProblem(
                        code: .conflict, key: "configuration.alert_rules[\(index)].name",
                        message: "\"\(rule.name)\" is already used by rule \(first); rule names must be unique"))
                } else {
                    rules.append(rule)
                }
            }
        }
        return (rules, problems)
    }
}

/// `devices.configuration`, reduced to the one key we own.
private struct DeviceConfiguration: Decodable {
    var alertRules: [LossyRule]?

    enum CodingKeys: String, CodingKey {
        case alertRules = "alert_rules"
    }
}

/// One array element that always decodes, so the others still do when it is bad.
private struct LossyRule: Decodable {
    var result: Result<AlertRule, ConfigurationError>

    init(from decoder: any Decoder) throws {
        do {
            result = .success(try AlertRule(from: decoder))
        } catch let error as ConfigurationError {
            result = .failure(ConfigurationError(problems: error.problems.map { problem in
                var problem = problem
                problem.key = "configuration." + problem.key
                return problem
            }))
        } catch {
            result = .failure(ConfigurationError(ConfigurationProblem(
                code: .wrongType, key: "configuration." + dottedPath(decoder.codingPath), message: "is not a valid rule")))
        }
    }
}
