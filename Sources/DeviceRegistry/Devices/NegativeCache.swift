/// Keys recently looked up in the database and not found, so a flood of one unknown key costs one query per TTL.
///
/// Bounded: a flood of distinct unknown keys (a misconfigured fleet, an attack) cannot grow it past
/// `capacity`; when full, expired entries are dropped, and if none have expired, all are (costing at
/// worst one extra query per key). Time is passed in, so tests drive it without sleeping.
struct NegativeCache: Sendable {
    let ttl: Duration
    let capacity: Int
    /// Keys are copied into their own storage on insert, so a cached key never pins a whole topic string;
    /// lookups by `Substring` then need no allocation.
    private var expiries: [Substring: ContinuousClock.Instant] = [:]

    init(ttl: Duration, capacity: Int = 10_000) {
        self.ttl = ttl
        self.capacity = max(capacity, 1)
    }

    var count: Int { expiries.count }

    /// True while `key` was recorded as unknown less than `ttl` ago.
    func contains(_ key: Substring, now: ContinuousClock.Instant) -> Bool {
        guard !expiries.isEmpty, let expiry = expiries[key] else { return false }
        return now < expiry
    }

    mutating func insert(_ key: Substring, now: ContinuousClock.Instant) {
        if expiries.count >= capacity {
            expiries = expiries.filter { $0.value > now }
            if expiries.count >= capacity { expiries.removeAll(keepingCapacity: true) }
        }
        expiries[Substring(String(key))] = now + ttl
    }

    mutating func remove(_ key: Substring) {
        expiries[key] = nil
    }

    mutating func removeAll() {
        expiries.removeAll()
    }
}
