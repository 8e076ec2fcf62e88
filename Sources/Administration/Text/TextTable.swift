/// Rows of cells printed as aligned columns, the way `ls -l` or `ps` line things up.
///
/// Columns are separated by two spaces; a column marked right-aligned (numbers) lines up on its
/// last digit. Widths count characters, so non-ASCII names stay aligned in a UTF-8 terminal.
public struct TextTable: Sendable {
    public var header: [String]?
    public var rightAligned: Set<Int>
    public private(set) var rows: [[String]] = []

    public init(header: [String]? = nil, rightAligned: Set<Int> = []) {
        self.header = header
        self.rightAligned = rightAligned
    }

    public mutating func append(_ row: [String]) {
        rows.append(row)
    }

    /// The table, one line per row, each ending in a newline; no trailing spaces.
    public func render(indent: String = "") -> String {
        let all = (header.map { [$0] } ?? []) + rows
        let columns = all.map(\.count).max() ?? 0
        var widths = [Int](repeating: 0, count: columns)
        for row in all {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        var out = ""
        for row in all {
            var line = indent
            for (index, cell) in row.enumerated() {
                let pad = String(repeating: " ", count: widths[index] - cell.count)
                let last = index == row.count - 1
                line += rightAligned.contains(index) ? pad + cell : (last ? cell : cell + pad)
                if !last { line += "  " }
            }
            while line.hasSuffix(" ") { line.removeLast() }
            out += line + "\n"
        }
        return out
    }
}
