/// The outbox for what the gateway publishes (`outbox:` in the YAML): how much it keeps while the
/// broker is away.
public struct OutboxSettings: Sendable, Equatable {
    /// Entries older than this are deleted; unpublished ones are then dropped (logged and counted).
    public var maxAgeHours: Int
    /// At most this many unpublished entries are kept; the oldest beyond it are dropped (logged and counted).
    public var maxEntries: Int

    public init(maxAgeHours: Int = 24, maxEntries: Int = 100_000) {
        self.maxAgeHours = maxAgeHours
        self.maxEntries = maxEntries
    }
}
