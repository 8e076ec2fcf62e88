import Foundation

extension GatewayConfiguration {
    /// The whole configuration as YAML, every key present, passwords in URLs masked as `****`.
    ///
    /// For `check-config` and the start-up log. Without passwords it parses back to an equal
    /// configuration, so it can also serve as a complete config file.
    public func effectiveSettings() -> String {
        render(documented: false)
    }

    /// The documented example config (`Config/gateway.yaml`): every key with its doc, allowed
    /// values and default, set to its default, so it behaves exactly like an empty file.
    public static func referenceDocument() -> String {
        referenceHeader + GatewayConfiguration().render(documented: true)
    }

    /// Walks ``keys`` as the YAML nests them; `documented` adds each key's comment above it.
    private func render(documented: Bool) -> String {
        var out = ""
        func comment(_ text: String, indent: String) {
            for line in wrapped(text, width: 100 - indent.count - 2) { out += "\(indent)# \(line)\n" }
        }
        func section(_ path: String, depth: Int) {
            let indent = String(repeating: "  ", count: depth)
            for entry in KeyTree.entries(in: path) {
                switch entry {
                case .section(let child):
                    if documented, depth == 0, !out.isEmpty { out += "\n" }
                    if documented, let doc = Self.sectionDocs[child] { comment(doc, indent: indent) }
                    out += "\(indent)\(child.split(separator: ".").last!):\n"
                    section(child, depth: depth + 1)
                case .key(let key):
                    let value = key.render(self)
                    if documented {
                        // NUL keeps "Allowed: …" and "Default: …" on one line each; wrapped() restores the spaces.
                        let allowed = key.allowed.map { " Allowed:\u{0}\($0)." } ?? ""
                        let shown = switch value {
                        case .inline(let text): text
                        case .block: "see below"
                        }
                        comment(key.doc + allowed + " Default:\u{0}\(shown).", indent: indent)
                    }
                    switch value {
                    case .inline(let text):
                        out += "\(indent)\(key.leaf): \(text)\n"
                    case .block(let lines):
                        out += "\(indent)\(key.leaf):\n" + lines.map { "\(indent)\($0)\n" }.joined()
                    }
                }
            }
        }
        section("", depth: 0)
        return out
    }

    private static let referenceHeader = """
        # mash-gateway configuration: the documented example.
        #
        # Every key is shown with its default value, so this file as shipped behaves exactly like an
        # empty one. Delete what you do not change. Unknown keys are errors (a typo is never ignored);
        # `mash-gateway check-config --config FILE` lists every problem and the effective settings.
        #
        # Environment overrides: MASH_MQTT_URL replaces mqtt.url, MASH_DATABASE_URL replaces database.url
        # (keep passwords out of this file that way). Default path: /etc/mash-gateway/gateway.yaml.
        # Durations carry their unit in the key name: _s seconds, _ms milliseconds.
        #
        # Generated from the key declarations in Sources/GatewayConfig/Keys; edit those, not this file.


        """
}

/// `text` in lines of at most `width` characters, broken at spaces (a NUL is a space that does not break).
private func wrapped(_ text: String, width: Int) -> [String] {
    var lines: [String] = []
    var line = ""
    for word in text.split(separator: " ") {
        if !line.isEmpty, line.count + 1 + word.count > width {
            lines.append(line)
            line = ""
        }
        line += line.isEmpty ? String(word) : " " + word
    }
    if !line.isEmpty { lines.append(line) }
    return lines.map { $0.replacingOccurrences(of: "\u{0}", with: " ") }
}

/// A YAML double-quoted scalar (JSON escaping is valid YAML).
func quoted(_ text: String) -> String {
    var result = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": result += "\\\""
        case "\\": result += "\\\\"
        case "\n": result += "\\n"
        case "\t": result += "\\t"
        case "\r": result += "\\r"
        case _ where scalar.value < 0x20 || scalar.value == 0x7F:
            result += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count) + String(scalar.value, radix: 16)
        default: result.unicodeScalars.append(scalar)
        }
    }
    return result + "\""
}
