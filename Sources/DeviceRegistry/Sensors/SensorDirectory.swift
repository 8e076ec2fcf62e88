import Logging
import Postgres
import Synchronization

/// Finds `sensor_types` by name, case-insensitively (contract §3), from memory.
///
/// Thread safety: any thread may call it. The table is immutable once built and swapped whole
/// under a `Mutex` on reload, so a lookup holds the lock only for the probe. A name not found
/// triggers a reload from the database, at most once per `reloadInterval` (a flood of an unknown
/// sensor name costs one query per interval); a sensor type added to the database is therefore
/// found within `reloadInterval` without a restart.
public final class SensorDirectory: Sendable {
    let logger: Logger
    let now: @Sendable () -> ContinuousClock.Instant
    let reloadInterval: Duration
    let lookups: LookupConnection
    private let state: Mutex<State>

    struct State: ~Copyable {
        var table = SensorTable([])
        var lastReload: ContinuousClock.Instant?
        var reloads = 0
    }

    static let query = "SELECT id::text, name, unit, min_value::text, max_value::text FROM sensor_types ORDER BY created_at, id"

    public init(
        databaseURL: String, reloadInterval: Duration = .seconds(5), retryInterval: Duration = .seconds(1),
        logger: Logger = Logger(label: "mash.sensors"),
        now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }
    ) {
        self.logger = logger
        self.now = now
        self.reloadInterval = reloadInterval
        lookups = LookupConnection(
            url: databaseURL, applicationName: "mash-gateway sensors", retryInterval: retryInterval, now: now
        )
        state = Mutex(State())
    }

    deinit { lookups.close() }

    /// Replaces the table with every `sensor_types` row; call at start.
    @discardableResult
    public func load() throws(PostgresError) -> Int {
        let startedAt = now()
        let rows = try lookups.run { connection throws(PostgresError) in try connection.execute(Self.query) }
        let table = SensorTable(rows.rows.compactMap(Self.sensorType))
        state.withLock { state in
            state.table = table
            state.lastReload = startedAt
            state.reloads += 1
        }
        return table.count
    }

    /// The sensor type named `name` (UTF-8, any ASCII case); on a miss, reloads (rate-limited) and tries again.
    public func lookup(_ name: UnsafeRawBufferPointer) -> SensorType? {
        let (found, mayReload): (SensorType?, Bool) = state.withLock { state in
            if let type = state.table.lookup(name) { return (type, false) }
            let instant = now()
            let due = state.lastReload.map { instant >= $0 + reloadInterval } ?? true
            if due { state.lastReload = instant }  // claim the reload so concurrent misses do not repeat it
            return (nil, due)
        }
        if let found { return found }
        guard mayReload else { return nil }
        do {
            try load()
        } catch {
            logger.warning("sensor type reload failed", metadata: ["error": "\(error)"])
            return nil
        }
        return state.withLock { $0.table.lookup(name) }
    }

    public func lookup(_ name: some StringProtocol) -> SensorType? {
        var name = String(name)
        return name.withUTF8 { lookup(UnsafeRawBufferPointer($0)) }
    }

    public func lookup(_ name: Substring) -> SensorType? {
        var name = name
        return name.withUTF8 { lookup(UnsafeRawBufferPointer($0)) }
    }

    /// Every known sensor type.
    public var all: [SensorType] { state.withLock { $0.table.types } }

    /// How many times the table was loaded (a metric; tests check the miss rate limit with it).
    public var reloadCount: Int { state.withLock { $0.reloads } }

    static func sensorType(_ row: [String?]) -> SensorType? {
        guard row.count == 5, let idText = row[0], let id = PackedUUID(idText), let name = row[1] else { return nil }
        return SensorType(
            id: id, name: name, unit: row[2] ?? "",
            minScaled: row[3].flatMap { ScaledDecimal.parse($0) },
            maxScaled: row[4].flatMap { ScaledDecimal.parse($0) }
        )
    }
}
