/// Delivery of `device_commands` (`commands:` in the YAML).
public struct CommandSettings: Sendable, Equatable {
    /// A command not finished by `created_at + ttl` times out with error `expired`.
    public var ttlSeconds: Int
    /// Safety-net poll for pending commands besides LISTEN/NOTIFY (a lost notification costs at most this).
    public var pollIntervalSeconds: Int
    /// Upper bound accepted for an operator's `timeout_s`.
    public var maxTimeoutSeconds: Int
    /// Upper bound accepted for an operator's `max_retries`.
    public var maxRetriesLimit: Int

    public init(ttlSeconds: Int = 86_400, pollIntervalSeconds: Int = 5, maxTimeoutSeconds: Int = 3600, maxRetriesLimit: Int = 10) {
        self.ttlSeconds = ttlSeconds
        self.pollIntervalSeconds = pollIntervalSeconds
        self.maxTimeoutSeconds = maxTimeoutSeconds
        self.maxRetriesLimit = maxRetriesLimit
    }
}
