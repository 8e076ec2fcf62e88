import Yams

/// Reads YAML into a configuration by walking ``GatewayConfiguration/keys``: types are checked
/// here, ranges in `validate()`.
extension GatewayConfiguration {
    static func read(_ root: Node?, log: ProblemLog) -> GatewayConfiguration {
        var configuration = GatewayConfiguration()
        readSection("", root, into: &configuration, log: log)
        return configuration
    }

    /// One mapping: its declared keys and sub-sections in table order, then its unknown keys.
    private static func readSection(_ path: String, _ node: Node?, into configuration: inout GatewayConfiguration, log: ProblemLog) {
        let expected = path.isEmpty ? "a mapping of sections (mqtt:, database:, …)" : "a mapping of keys"
        guard var reader = MappingReader(node, path: path, log: log, expected: expected) else { return }
        for entry in KeyTree.entries(in: path) {
            switch entry {
            case .key(let key):
                if let value = reader.node(key.leaf) { key.read(&configuration, value, log) }
            case .section(let child):
                let leaf = String(child.split(separator: ".").last!)
                readSection(child, reader.node(leaf), into: &configuration, log: log)
            }
        }
        // Keys of another section are suggested where a top-level or section key was misplaced.
        reader.reportUnknownKeys(elsewhere: path.contains(".") ? [:] : KeyTree.homes)
    }
}

/// The table's keys arranged as the YAML nests them, in declaration order.
enum KeyTree {
    enum Entry {
        case key(ConfigKey)
        case section(String)
    }

    /// The keys and sub-sections directly in the mapping at `path` ("" for the top level).
    static func entries(in path: String) -> [Entry] {
        var result: [Entry] = []
        var seen: Set<String> = []
        let depth = path.isEmpty ? 0 : path.split(separator: ".").count
        for key in GatewayConfiguration.keys {
            let parts = key.name.split(separator: ".")
            guard parts.count > depth, parts.prefix(depth).joined(separator: ".") == path else { continue }
            if parts.count == depth + 1 {
                result.append(.key(key))
            } else {
                let child = parts.prefix(depth + 1).joined(separator: ".")
                if seen.insert(child).inserted { result.append(.section(child)) }
            }
        }
        return result
    }

    /// Leaf name → its one full path (keys and sub-sections below the top level), for a key
    /// written in the wrong section; names used in several sections are left out.
    static let homes: [String: String] = {
        var homes: [String: Set<String>] = [:]
        for key in GatewayConfiguration.keys {
            let parts = key.name.split(separator: ".")
            for end in 2...max(2, parts.count) where end <= parts.count {
                homes[String(parts[end - 1]), default: []].insert(parts.prefix(end).joined(separator: "."))
            }
        }
        return homes.compactMapValues { $0.count == 1 ? $0.first : nil }
    }()
}
