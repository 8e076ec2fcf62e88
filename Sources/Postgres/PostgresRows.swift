/// The rows of a result in text format, copied out of libpq so they outlive the `PGresult`.
public struct PostgresRows: Sendable {
    public var columns: [String]
    /// Text-format values; nil is SQL NULL.
    public var rows: [[String?]]
    /// Rows inserted, updated, deleted, copied or selected, as the command tag reports (0 when it has none).
    public var affectedRows: Int

    public init(columns: [String] = [], rows: [[String?]] = [], affectedRows: Int = 0) {
        self.columns = columns
        self.rows = rows
        self.affectedRows = affectedRows
    }

    /// The value in `row` of the column named `column`; nil for NULL, an unknown column or a row out of range.
    public subscript(row: Int, column: String) -> String? {
        guard rows.indices.contains(row), let index = columns.firstIndex(of: column) else { return nil }
        return rows[row][index]
    }

    public var count: Int { rows.count }
    public var isEmpty: Bool { rows.isEmpty }
}
