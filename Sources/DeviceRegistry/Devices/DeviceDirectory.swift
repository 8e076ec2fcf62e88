import Logging
import Postgres
import Synchronization

/// Resolves the `{device}` of a topic to a live `devices` row, from memory, for the ingest path,
/// presence and commands.
///
/// Thread safety: every method may be called from any thread. The cache is one ``DeviceIndex``
/// behind a `Mutex`, held only for a dictionary lookup (a hit costs a lock, a hash and a struct
/// copy; no allocation, no I/O). Misses go to the database on the directory's own connection,
/// one at a time (see `LookupConnection`), and are remembered for `negativeTTL` so a flood of an
/// unknown key costs one query per TTL. A device added to the database after `load()` resolves on
/// its first miss even without change notifications; ``handleChange(id:)`` (fed by
/// `mash_devices` notifications, see ``followChanges(databaseURL:shouldStop:)``) keeps known
/// rows fresh: renamed serials, new owners, soft deletes.
///
/// Not guaranteed without notifications: a cached device whose serial or MAC changes, or that is
/// deleted, keeps resolving by its old key until `load()`.
public final class DeviceDirectory: Sendable {
    /// The notification channel migration 0004's trigger uses; the payload is the device id.
    public static let changeChannel = "mash_devices"

    let logger: Logger
    let now: @Sendable () -> ContinuousClock.Instant
    let lookups: LookupConnection
    private let cache: Mutex<Cache>
    private let queryCount = Atomic<Int>(0)

    struct Cache: ~Copyable {
        var index = DeviceIndex()
        var unknown: NegativeCache
    }

    /// - Parameters:
    ///   - databaseURL: for the directory's own lookup connection (opened on first use).
    ///   - negativeTTL: how long a key not found in the database stays unknown without asking again.
    ///   - retryInterval: after the database could not be reached, misses fail at once for this long.
    ///   - now: the clock; tests inject one they advance.
    public init(
        databaseURL: String, negativeTTL: Duration = .seconds(5), retryInterval: Duration = .seconds(1),
        logger: Logger = Logger(label: "mash.devices"),
        now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }
    ) {
        self.logger = logger
        self.now = now
        lookups = LookupConnection(
            url: databaseURL, applicationName: "mash-gateway devices", retryInterval: retryInterval, now: now
        )
        cache = Mutex(Cache(unknown: NegativeCache(ttl: negativeTTL)))
    }

    deinit { lookups.close() }

    /// Replaces the cache with every live device; call at start (and after missed notifications).
    ///
    /// Reads the devices a page at a time from one snapshot into a cache sized once for all of them,
    /// and shares the storage of texts that repeat across devices, so memory at start-up stays close
    /// to what the cache keeps (see `DeviceQueries.forEachPage`, `TextInterner`).
    ///
    /// - Returns: how many devices were loaded.
    @discardableResult
    public func load() throws(PostgresError) -> Int {
        let logger = self.logger
        let index = try lookups.run { connection throws(PostgresError) -> DeviceIndex in
            var index = DeviceIndex()
            var interner = TextInterner()
            try DeviceQueries.forEachPage(on: connection, sizeHint: { index.reserveCapacity(devices: $0, macs: $1) }) { rows in
                for record in DeviceQueries.records(rows, interning: &interner, logger: logger) { index.upsert(record) }
            }
            return index
        }
        queryCount.add(1, ordering: .relaxed)
        let count = index.count
        cache.withLock { cache in
            cache.index = index
            cache.unknown.removeAll()
        }
        // The pages of text the load went through are free now; hand them back instead of keeping them resident.
        HeapTrim.releaseFreePages()
        logger.info("device cache loaded", metadata: ["devices": "\(count)"])
        return count
    }

    /// The live device `key` names (serial number, else MAC, else id), or nil if there is none or the
    /// database could not be asked; see ``lookup(_:)`` to tell those apart.
    public func resolve(_ key: Substring) -> DeviceRecord? {
        if case .found(let record) = lookup(key) { return record }
        return nil
    }

    public func resolve(_ key: String) -> DeviceRecord? { resolve(key[...]) }

    /// The id of the live device `key` names: the ingest hot path (a hit copies no reference-counted
    /// field, so it costs a lock, a hash and a compare). A miss behaves like ``resolve(_:)``.
    public func resolveID(_ key: Substring) -> PackedUUID? {
        if let id = cache.withLock({ $0.index.lookupID(key) }) { return id }
        return resolve(key)?.id
    }

    /// Resolves `key`, telling "no such device" from "the database could not be asked" (the caller may
    /// then retry later instead of rejecting the reading as `unknown_device`).
    public func lookup(_ key: Substring) -> DeviceLookup {
        let cached: DeviceLookup? = cache.withLock { cache in
            if let record = cache.index.lookup(key) { return .found(record) }
            // The clock is read only on a miss: a hit stays a lock and a hash.
            if cache.unknown.count > 0, cache.unknown.contains(key, now: now()) { return .unknown }
            return nil
        }
        if let cached { return cached }
        return lookUpInDatabase(key)
    }

    /// Asks the database for `key`, caches what it finds (or that it found nothing), then answers from the cache.
    private func lookUpInDatabase(_ key: Substring) -> DeviceLookup {
        let rows: PostgresRows
        do {
            rows = try lookups.run { connection throws(PostgresError) in
                try connection.execute(DeviceQueries.byKey, DeviceQueries.parameters(forKey: key))
            }
        } catch {
            logger.warning("device lookup failed", metadata: ["key": "\(key)", "error": "\(error)"])
            return .unavailable(error)
        }
        queryCount.add(1, ordering: .relaxed)
        let records = DeviceQueries.records(rows, logger: logger)
        let instant = now()
        return cache.withLock { cache in
            for record in records { cache.index.upsert(record) }
            if let record = cache.index.lookup(key) { return .found(record) }
            cache.unknown.insert(key, now: instant)
            return .unknown
        }
    }

    /// The cached device with `id`, without asking the database.
    public func cached(id: PackedUUID) -> DeviceRecord? {
        cache.withLock { $0.index.record(id: id) }
    }

    /// Every cached device (for presence sweeps and diagnostics; copies the cache).
    public var cachedDevices: [DeviceRecord] {
        cache.withLock { $0.index.records }
    }

    public var cachedCount: Int { cache.withLock { $0.index.count } }

    /// Database queries made so far (loads, misses, refreshes, registrations): a metric, and how tests
    /// check that the negative cache spares the database.
    public var databaseQueries: Int { queryCount.load(ordering: .relaxed) }

    // MARK: Changes

    /// Re-reads the device with `id` (a `mash_devices` notification's payload) and updates the cache:
    /// replaced when live, dropped when deleted or soft-deleted. Unknown keys become askable again.
    ///
    /// A payload that is not a UUID is ignored.
    public func handleChange(id: String) throws(PostgresError) {
        guard let packed = PackedUUID(id) else {
            logger.warning("ignoring a device change that names no id", metadata: ["payload": "\(id)"])
            return
        }
        let rows = try lookups.run { connection throws(PostgresError) in
            try connection.execute(DeviceQueries.byID, [packed.string])
        }
        queryCount.add(1, ordering: .relaxed)
        let record = DeviceQueries.records(rows, logger: logger).first
        cache.withLock { cache in
            if let record { cache.index.upsert(record) } else { cache.index.remove(id: packed) }
            // The change may have given an unknown key to this device (a new serial, an undeleted row).
            cache.unknown.removeAll()
        }
    }

    /// Drops `id` from the cache without asking the database (the next miss reloads it).
    public func invalidate(id: PackedUUID) {
        cache.withLock { cache in
            cache.index.remove(id: id)
            cache.unknown.removeAll()
        }
    }

    /// Forgets every key remembered as unknown, so the next lookup of each asks the database again.
    public func invalidateUnknownKeys() {
        cache.withLock { $0.unknown.removeAll() }
    }

    // MARK: Registration

    /// Creates the device for an unknown key (`ingest.unknown_devices: register`): serial_number = name =
    /// `key`, device_type `'unregistered'`, no owner, then returns the row as the cache now holds it.
    ///
    /// Safe from several gateways at once: the insert does nothing on a conflict, and the row is read
    /// back, so concurrent registrations of one key give one row. Returns nil when the key is taken by
    /// a soft-deleted device (deleted devices stay unknown) or is too long for `serial_number`.
    public func register(key: Substring) throws(PostgresError) -> DeviceRecord? {
        if let record = cache.withLock({ $0.index.lookup(key) }) { return record }
        guard !key.isEmpty, key.utf8.count <= 255 else { return nil }
        let rows = try lookups.run { connection throws(PostgresError) in
            let inserted = try connection.execute(DeviceQueries.register, [String(key)])
            if inserted.affectedRows > 0 {
                logger.notice("registered unknown device", metadata: ["key": "\(key)"])
            }
            return try connection.execute(DeviceQueries.byKey, DeviceQueries.parameters(forKey: key))
        }
        queryCount.add(2, ordering: .relaxed)
        let records = DeviceQueries.records(rows, logger: logger)
        return cache.withLock { cache in
            cache.unknown.remove(key)
            for record in records { cache.index.upsert(record) }
            return cache.index.lookup(key)
        }
    }

    public func register(key: String) throws(PostgresError) -> DeviceRecord? { try register(key: key[...]) }
}

/// What ``DeviceDirectory/lookup(_:)`` found.
public enum DeviceLookup: Sendable, Equatable {
    case found(DeviceRecord)
    /// No live device has this key (the database was asked, now or within the negative TTL).
    case unknown
    /// The key is not cached and the database could not be asked.
    case unavailable(PostgresError)

    public static func == (a: DeviceLookup, b: DeviceLookup) -> Bool {
        switch (a, b) {
        case (.found(let x), .found(let y)): x == y
        case (.unknown, .unknown): true
        case (.unavailable(let x), .unavailable(let y)): x.code == y.code && x.message == y.message
        default: false
        }
    }
}
