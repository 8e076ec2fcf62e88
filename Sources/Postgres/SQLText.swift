import Foundation

/// Text-format parameters and SQL fragments for batched statements.
///
/// Batching many rows into one statement goes through `unnest` of array parameters; the values
/// are still parameters (never spliced into SQL), so quoting here only has to satisfy the array
/// input syntax. Times cross the wire as bigint epoch microseconds and are converted in SQL
/// exactly (no floating point), so a value read back equals the value written.
public enum SQLText {
    /// A PostgreSQL array literal (`{"a","b",NULL}`) of text values: every element is double-quoted
    /// with `"` and `\` escaped (commas, braces and spaces inside values survive), NULL stays bare.
    public static func array(_ values: some Sequence<String?>) -> String {
        var out = "{"
        var first = true
        for value in values {
            if !first { out.append(",") }
            first = false
            guard let value else {
                out.append("NULL")
                continue
            }
            out.append("\"")
            // Scalars, not Characters: a quote followed by a combining mark is one Character
            // that is not equal to `"`, but PostgreSQL still sees the quote.
            for scalar in value.unicodeScalars {
                if scalar == "\"" || scalar == "\\" { out.append("\\") }
                out.unicodeScalars.append(scalar)
            }
            out.append("\"")
        }
        out.append("}")
        return out
    }

    /// An array literal of uuids in their lowercase text form, each quoted like `array`'s elements.
    public static func array(_ values: some Sequence<UUID>) -> String {
        array(values.lazy.map { Optional($0.uuidString.lowercased()) })
    }

    /// An array literal of elements that never need quoting (uuids, integers): skips the escaping scan.
    public static func plainArray(_ values: some Sequence<String>) -> String {
        "{" + values.joined(separator: ",") + "}"
    }

    /// SQL turning a bigint expression of epoch microseconds into a UTC `TIMESTAMP`, exactly.
    public static func timestamp(_ expression: String) -> String {
        "('epoch'::timestamp + (\(expression)) * interval '1 microsecond')"
    }

    /// SQL reading a `TIMESTAMP` column as bigint epoch microseconds, exactly.
    public static func microseconds(_ column: String) -> String {
        "(extract(epoch FROM \(column)) * 1000000)::bigint"
    }
}
