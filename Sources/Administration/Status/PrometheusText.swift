/// Values read from a Prometheus text exposition (what the gateway's `/metrics` serves).
///
/// Only what `status` needs: a metric's value, summed over its label sets (a counter split by
/// `reason` reads as its total). Comments, `# TYPE` lines and malformed lines are skipped.
public struct PrometheusText: Sendable {
    private var values: [String: Double] = [:]

    public init(_ text: String) {
        for line in text.split(whereSeparator: \.isNewline) {
            guard let first = line.first, first != "#" else { continue }
            let nameEnd = line.firstIndex { $0 == "{" || $0 == " " } ?? line.endIndex
            let name = String(line[..<nameEnd])
            var rest = line[nameEnd...]
            if rest.first == "{" {
                guard let close = rest.lastIndex(of: "}") else { continue }
                rest = rest[rest.index(after: close)...]
            }
            // "value" or "value timestamp".
            guard let valueText = rest.split(separator: " ").first, let value = Double(valueText) else { continue }
            values[name, default: 0] += value
        }
    }

    /// The metric's value (summed over label sets), or nil when it is not exported.
    public subscript(_ name: String) -> Double? { values[name] }
}
