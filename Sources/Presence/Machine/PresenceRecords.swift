import WallTime

/// A device's presence as stored, for rebuilding the machine at start.
public struct RestoredPresence: Sendable, Equatable {
    /// Whether `devices.status` is 'online'; any other value ('offline', 'error', 'maintenance', NULL) counts as offline.
    public var isOnline: Bool
    public var lastSeen: WallInstant?
    public var lastHeartbeat: WallInstant?
    /// Time online accounted so far, in microseconds.
    public var uptimeMicroseconds: Int64
    /// Time offline accounted so far, in microseconds.
    public var downtimeMicroseconds: Int64
    /// `devices.configuration.offline_after_s`, when the device overrides the default.
    public var offlineAfterSeconds: Int?
    /// Whether an unresolved `device_offline` alert exists for the device.
    public var hasOpenOfflineAlert: Bool

    public init(
        isOnline: Bool, lastSeen: WallInstant? = nil, lastHeartbeat: WallInstant? = nil,
        uptimeMicroseconds: Int64 = 0, downtimeMicroseconds: Int64 = 0,
        offlineAfterSeconds: Int? = nil, hasOpenOfflineAlert: Bool = false
    ) {
        self.isOnline = isOnline
        self.lastSeen = lastSeen
        self.lastHeartbeat = lastHeartbeat
        self.uptimeMicroseconds = uptimeMicroseconds
        self.downtimeMicroseconds = downtimeMicroseconds
        self.offlineAfterSeconds = offlineAfterSeconds
        self.hasOpenOfflineAlert = hasOpenOfflineAlert
    }
}

/// One device's presence columns to write; counters are exact up to `accountedAt`.
public struct PresenceRow: Sendable, Equatable {
    public var device: PresenceDevice
    /// nil: leave `devices.status` as it is (the machine never changed it, e.g. 'maintenance').
    public var status: PresenceStatus?
    public var lastSeen: WallInstant?
    public var lastHeartbeat: WallInstant?
    /// A firmware version reported since the last write, else nil (keep the stored one).
    public var firmware: String?
    public var uptimeMicroseconds: Int64
    public var downtimeMicroseconds: Int64
    public var accountedAt: WallInstant

    public init(
        device: PresenceDevice, status: PresenceStatus?, lastSeen: WallInstant?, lastHeartbeat: WallInstant?,
        firmware: String?, uptimeMicroseconds: Int64, downtimeMicroseconds: Int64, accountedAt: WallInstant
    ) {
        self.device = device
        self.status = status
        self.lastSeen = lastSeen
        self.lastHeartbeat = lastHeartbeat
        self.firmware = firmware
        self.uptimeMicroseconds = uptimeMicroseconds
        self.downtimeMicroseconds = downtimeMicroseconds
        self.accountedAt = accountedAt
    }
}
