/// The known key a mistyped `key` most likely meant, or nil when none is close.
///
/// Close means: equal after ignoring case, `_` and `-` (`batchSize`); one a prefix of the other
/// (`retention` → `retention_days`); or an edit distance of at most 2, or a third of the length.
func suggestion(for key: String, among candidates: [String]) -> String? {
    func normalized(_ text: String) -> String { text.lowercased().filter { $0 != "_" && $0 != "-" } }
    let wanted = normalized(key)
    if let exact = candidates.first(where: { normalized($0) == wanted }) { return exact }
    if wanted.count >= 4, let prefixed = candidates.first(where: {
        let candidate = normalized($0)
        return candidate.hasPrefix(wanted) || wanted.hasPrefix(candidate)
    }) {
        return prefixed
    }
    let limit = max(2, wanted.count / 3)
    let scored = candidates.map { ($0, editDistance(wanted, normalized($0))) }.filter { $0.1 <= limit }
    return scored.min(by: { $0.1 < $1.1 })?.0
}

/// Levenshtein distance over characters.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a)
    let b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            let cost = a[i - 1] == b[j - 1] ? 0 : 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}

/// "reject or register", "low, medium, high or critical": the allowed raw values for a message.
func choices<E: CaseIterable & RawRepresentable>(_ type: E.Type) -> String where E.RawValue == String {
    list(type.allCases.map(\.rawValue))
}

/// "a, b or c".
func list(_ items: [String]) -> String {
    guard items.count > 1 else { return items.first ?? "" }
    return items.dropLast().joined(separator: ", ") + " or " + items.last!
}
