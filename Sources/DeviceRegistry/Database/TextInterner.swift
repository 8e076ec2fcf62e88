/// Makes equal texts share one storage while a large result is turned into records.
///
/// Columns such as a device's owner id, `configuration` or `timezone` repeat across a fleet (one
/// owner for thousands of devices, the schema's `{}` default): a Swift `String` longer than 15
/// UTF-8 bytes is a heap allocation of its own, so 100,000 copies of one 36-character owner id
/// cost ≈ 7 MiB where one shared copy costs 64 bytes. Short strings are stored inline and pass
/// through untouched.
///
/// Bounded: after `capacity` distinct texts, new ones pass through unshared, so a column that does
/// not repeat costs at most that many table entries.
struct TextInterner: Sendable {
    let capacity: Int
    private var table: [String: String] = [:]

    init(capacity: Int = 4_096) {
        self.capacity = capacity
    }

    /// Distinct texts held.
    var count: Int { table.count }

    /// `text`, or an equal string already seen (sharing its storage).
    mutating func intern(_ text: String?) -> String? {
        guard let text, text.utf8.count > 15 else { return text }
        if let shared = table[text] { return shared }
        if table.count < capacity { table[text] = text }
        return text
    }
}
