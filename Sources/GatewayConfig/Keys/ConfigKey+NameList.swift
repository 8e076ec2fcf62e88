import Yams

/// A list of names from a fixed set (`ingest.conventions: [native, esphome]`).
extension ConfigKey {
    /// Names read case-insensitively; a single name without brackets counts as a one-item list. Each
    /// must be one of `allowed`, at most once, and the list must not be empty.
    static func nameList(_ name: String, _ field: Field<[String]>, allowed: [String], _ doc: String) -> ConfigKey {
        let words = list(allowed)
        return ConfigKey(
            name: name, doc: doc, allowed: "a list of \(words)",
            read: { configuration, node, log in
                let items: [Node]
                switch node {
                case .sequence(let sequence): items = Array(sequence)
                case .scalar where !node.isNull: items = [node]
                default:
                    return log.add(.wrongType, name, "expected a list such as [\(allowed.joined(separator: ", "))], got \(node.kindDescription)",
                                   line: node.mark?.line)
                }
                var names: [String] = []
                for (index, item) in items.enumerated() {
                    if let text = ValueConverter<String>.string.convert(item, "\(name)[\(index)]", log) { names.append(text.lowercased()) }
                }
                configuration[keyPath: field] = names
            },
            render: { .inline("[" + $0[keyPath: field].joined(separator: ", ") + "]") },
            check: { configuration in
                let names = configuration[keyPath: field]
                if names.isEmpty {
                    return [ConfigurationProblem(code: .notAllowed, key: name, message: "is empty; use at least one of \(words)")]
                }
                return names.enumerated().compactMap { index, value in
                    if !allowed.contains(value) {
                        return ConfigurationProblem(code: .notAllowed, key: name, message: "\"\(value)\" is not allowed; use \(words)")
                    }
                    if let first = names.firstIndex(of: value), first < index {
                        return ConfigurationProblem(code: .conflict, key: name, message: "\"\(value)\" is listed twice; list each once")
                    }
                    return nil
                }
            })
    }
}
