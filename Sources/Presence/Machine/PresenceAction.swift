import WallTime

/// A device's dense handle inside one `PresenceMachine` (an index into its columns).
///
/// Handles are assigned in order by `restore(_:)` and `add(at:)` and never reused, so a handle
/// stays valid for the machine's lifetime; mapping device ids to handles is the caller's job
/// (`PresenceDirectory`).
public struct PresenceDevice: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let index: Int32

    public init(index: Int32) {
        self.index = index
    }

    public static func < (lhs: PresenceDevice, rhs: PresenceDevice) -> Bool { lhs.index < rhs.index }
    public var description: String { "#\(index)" }
}

/// What presence says about a device.
public enum PresenceStatus: String, Sendable, Equatable {
    case online
    case offline
}

/// Why a device went offline.
public enum OfflineReason: String, Sendable, Equatable {
    /// `offline` on its status topic: the MQTT will (or the device saying goodbye).
    case will
    /// Nothing heard for longer than its `offline_after_s`.
    case silence
}

/// What the caller must do after an event; the machine itself performs no I/O.
///
/// Persisting `devices` columns is not an action: every change marks the device dirty and
/// `takeChanges(now:refreshing:)` hands out one row per dirty device, so the writer batches
/// them (one statement per flush, never one per message).
public enum PresenceAction: Equatable, Sendable {
    /// The device is online from `at` on (status 'online' must be written).
    case markOnline(PresenceDevice, at: WallInstant)
    /// The device is offline from `at` on; for `.silence`, `at` is exactly `last_seen + offline_after_s`.
    case markOffline(PresenceDevice, at: WallInstant, reason: OfflineReason)
    /// Insert a `device_offline` alert. Never emitted while one is open for the device.
    case raiseOfflineAlert(PresenceDevice, at: WallInstant, reason: OfflineReason)
    /// Resolve the device's open `device_offline` alert (it came back at `at`).
    case resolveOfflineAlert(PresenceDevice, at: WallInstant)
    /// An `offline` was ignored because it belongs to a connection the device has already
    /// replaced (the LWT race); nothing to write, worth a log line and a metric.
    case willOvertaken(PresenceDevice, at: WallInstant)
}
