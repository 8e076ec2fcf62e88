/// The levels of an MQTT topic, split without allocating (each a `Substring` of the topic).
///
/// At most ``capacity`` levels: a longer topic, or one with an empty level, is no device topic of
/// any convention, so it is refused (nil) rather than guessed at.
public struct TopicLevels: Sendable {
    public static let capacity = 5
    private var levels: (Substring, Substring, Substring, Substring, Substring) = ("", "", "", "", "")
    /// How many levels the topic has (1...5).
    public private(set) var count = 0

    public init?(_ topic: Substring) {
        var start = topic.startIndex
        var i = topic.utf8.startIndex
        let end = topic.utf8.endIndex
        while true {
            if i == end || topic.utf8[i] == UInt8(ascii: "/") {
                let level = topic[start..<i]
                if level.isEmpty || count == Self.capacity { return nil }
                switch count {
                case 0: levels.0 = level
                case 1: levels.1 = level
                case 2: levels.2 = level
                case 3: levels.3 = level
                default: levels.4 = level
                }
                count += 1
                if i == end { break }
                i = topic.utf8.index(after: i)
                start = i
            } else {
                i = topic.utf8.index(after: i)
            }
        }
    }

    /// Level `index` (0-based); empty past ``count``.
    public subscript(_ index: Int) -> Substring {
        switch index {
        case 0: levels.0
        case 1: levels.1
        case 2: levels.2
        case 3: levels.3
        case 4: levels.4
        default: ""
        }
    }
}
