/// What `mash-gateway status` shows: the fleet as the database sees it, plus the daemon's own
/// backlog when its `/metrics` answers.
///
/// Encodes as the `--json` object (snake_case keys, nested per concern; every command status and
/// alert severity present, zero when none), so scripts never have to test for a missing key.
public struct StatusSnapshot: Sendable, Equatable, Encodable {
    public struct Devices: Sendable, Equatable, Encodable {
        public var total = 0
        public var online = 0
        public var offline = 0
        /// `error` or `maintenance`.
        public var other = 0
        public init() {}
    }

    public struct Readings: Sendable, Equatable, Encodable {
        /// Readings whose timestamp lies in the last minute / hour (by the time index).
        public var lastMinute = 0
        public var lastHour = 0
        /// The newest reading's timestamp, epoch µs UTC; nil when the table is empty.
        public var newestMicros: Int64?
        /// Seconds between the newest reading and the database's clock.
        public var newestAgeSeconds: Double?
        public init() {}

        enum CodingKeys: String, CodingKey {
            case lastMinute = "last_minute", lastHour = "last_hour", newestAgeSeconds = "newest_age_s"
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(lastMinute, forKey: .lastMinute)
            try container.encode(lastHour, forKey: .lastHour)
            try container.encode(newestAgeSeconds, forKey: .newestAgeSeconds)
        }
    }

    public struct Rejects: Sendable, Equatable, Encodable {
        public var lastHour = 0
        public var lastHourByReason: [String: Int] = [:]
        public init() {}
        enum CodingKeys: String, CodingKey { case lastHour = "last_hour", lastHourByReason = "last_hour_by_reason" }
    }

    public struct Alerts: Sendable, Equatable, Encodable {
        public var open = 0
        public var openBySeverity: [String: Int] = Dictionary(uniqueKeysWithValues: StatusSnapshot.severities.map { ($0, 0) })
        public init() {}
        enum CodingKeys: String, CodingKey { case open, openBySeverity = "open_by_severity" }
    }

    /// The daemon's view, from `/metrics` on `http.listen`.
    public struct Daemon: Sendable, Equatable, Encodable {
        /// Where it was asked; nil when `http.listen` is empty.
        public var address: String?
        public var answering = false
        public var ringDepthMessages: Double?
        public var ringUsedBytes: Double?
        public var spoolBatches: Double?
        public var spoolBytes: Double?
        /// Why it did not answer, when it did not.
        public var problem: String?
        public init(address: String?) { self.address = address }

        enum CodingKeys: String, CodingKey {
            case address, answering, problem
            case ringDepthMessages = "ring_depth_messages", ringUsedBytes = "ring_used_bytes"
            case spoolBatches = "spool_batches", spoolBytes = "spool_bytes"
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(address, forKey: .address)
            try container.encode(answering, forKey: .answering)
            try container.encode(problem, forKey: .problem)
            try container.encode(ringDepthMessages, forKey: .ringDepthMessages)
            try container.encode(ringUsedBytes, forKey: .ringUsedBytes)
            try container.encode(spoolBatches, forKey: .spoolBatches)
            try container.encode(spoolBytes, forKey: .spoolBytes)
        }
    }

    public static let commandStatuses = ["pending", "sent", "acknowledged", "completed", "failed", "timeout"]
    public static let openCommandStatuses: Set<String> = ["pending", "sent", "acknowledged"]
    public static let severities = ["low", "medium", "high", "critical"]
    /// Finished commands (completed, failed, timeout) are counted over this window; open ones at any age.
    public static let finishedCommandWindowHours = 24

    public var devices = Devices()
    public var readings = Readings()
    public var rejects = Rejects()
    /// Every status in ``commandStatuses``: open ones of any age, finished ones created in the last 24 h.
    public var commands: [String: Int] = Dictionary(uniqueKeysWithValues: StatusSnapshot.commandStatuses.map { ($0, 0) })
    public var alerts = Alerts()
    public var daemon: Daemon
    /// The database's clock when the snapshot was taken, epoch µs UTC.
    public var takenAtMicros: Int64

    public init(takenAtMicros: Int64, daemon: Daemon) {
        self.takenAtMicros = takenAtMicros
        self.daemon = daemon
    }

    enum CodingKeys: String, CodingKey { case devices, readings, rejects, commands, alerts, daemon }
}
