import Foundation

/// Text-format parameters for the dispatcher's batched statements.
enum SQLText {
    /// A PostgreSQL array literal (`{"a","b",NULL}`) of text values; every element is quoted,
    /// so commas, braces, quotes and backslashes inside values survive.
    static func array(_ values: [String?]) -> String {
        var out = "{"
        for (index, value) in values.enumerated() {
            if index > 0 { out += "," }
            guard let value else { out += "NULL"; continue }
            out += "\""
            for character in value {
                if character == "\"" || character == "\\" { out += "\\" }
                out.append(character)
            }
            out += "\""
        }
        return out + "}"
    }

    static func array(_ values: [UUID]) -> String {
        array(values.map { Optional($0.uuidString.lowercased()) })
    }

    /// SQL turning a bigint parameter of epoch microseconds into a UTC `TIMESTAMP`, exactly (no floating point).
    static func timestamp(_ expression: String) -> String {
        "('epoch'::timestamp + (\(expression)) * interval '1 microsecond')"
    }

    /// SQL reading a `TIMESTAMP` column as epoch microseconds, exactly.
    static func microseconds(_ column: String) -> String {
        "(extract(epoch FROM \(column)) * 1000000)::bigint"
    }
}
