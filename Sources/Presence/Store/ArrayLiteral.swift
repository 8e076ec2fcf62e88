/// Builds PostgreSQL array literals (`{a,"b c",NULL}`) for text parameters such as `$1::uuid[]`.
///
/// Batching many rows into one statement goes through `unnest` of array parameters; the values
/// are still parameters (never spliced into SQL), so quoting here only has to satisfy the array
/// input syntax: every element is double-quoted with `"` and `\` escaped, NULL stays bare.
enum ArrayLiteral {
    static func make<S: Sequence>(_ elements: S) -> String where S.Element == String? {
        var out = "{"
        var first = true
        for element in elements {
            if !first { out.append(",") }
            first = false
            guard let element else {
                out.append("NULL")
                continue
            }
            out.append("\"")
            for character in element.unicodeScalars {
                if character == "\"" || character == "\\" { out.append("\\") }
                out.unicodeScalars.append(character)
            }
            out.append("\"")
        }
        out.append("}")
        return out
    }

    /// Elements that never need quoting (uuids, integers): skips the escaping scan.
    static func plain<S: Sequence>(_ elements: S) -> String where S.Element == String {
        "{" + elements.joined(separator: ",") + "}"
    }
}
