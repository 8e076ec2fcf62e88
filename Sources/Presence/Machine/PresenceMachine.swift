import WallTime

/// Online/offline state, uptime and downtime of every device, as a value driven by events and instants.
///
/// One table for all devices, stored as columns indexed by `PresenceDevice` (about 80 bytes per
/// device, no per-device object), so 100,000 devices fit in a few MiB and a sweep is a linear scan
/// of one `Int64` column. Every event is a `mutating func` returning the actions to perform; the
/// machine does no I/O and reads no clock.
///
/// Rules (what is guaranteed):
/// - Any message from the device (telemetry, sensor value, heartbeat, `online`, command ack or
///   result) sets `last_seen` and makes it online. A heartbeat also sets `last_heartbeat` and,
///   when given, `firmware_version`. Retained messages replayed by the broker on subscribe are
///   not messages *from* the device now: a retained `online` changes nothing.
/// - Silence: a device is offline once nothing has been heard for longer than its
///   `offline_after_s` (default `presence.offline_after_s`, overridden by
///   `devices.configuration.offline_after_s`). The transition is dated exactly
///   `last_seen + offline_after_s`, however late the sweep runs, and any event arriving after
///   that instant applies the overdue transition first; so results never depend on sweep timing.
/// - `offline` on the status topic switches the device offline at once, except a will that was
///   overtaken by a reconnect (the LWT race): a broker publishes a connection's will only after
///   that connection is gone, so an `online` received while the device is already online
///   announces a *new* connection whose predecessor's will may still be on its way. Each such
///   birth expects one stale will; an `offline` arriving while a stale will is expected and within
///   `offline_after_s` of that birth is ignored (`.willOvertaken`). An `offline` with no expected
///   stale will, or after that window, is genuine. If a device re-announces `online` on a live
///   connection, its next genuine will may be taken as stale; the device is then marked offline
///   by silence, at most `offline_after_s` after its last message, never left online for good.
///   A retained `offline` (replayed at subscribe) is genuine: the device has no connection now.
/// - Each transition to offline raises one `device_offline` alert unless one is open; the next
///   transition to online resolves it.
/// - `uptime_seconds` counts time spent online, `total_downtime_seconds` time spent offline, both
///   accumulated in microseconds (exact; the database columns hold the floor in seconds).
/// - Gateway outages: time the gateway was not running is counted neither as uptime nor as
///   downtime (nobody observed the device). Accounting resumes at `startedAt`, and a device
///   restored as online gets a full `offline_after_s` from `startedAt` to be heard from, since
///   silence while the gateway was not listening is no evidence. So, per device,
///   `uptime + downtime == time the gateway tracked it`.
/// - Instants earlier than what a device has already been accounted to (clock stepped back,
///   reordered input) are treated as that instant: counters never decrease.
public struct PresenceMachine: Sendable {
    /// Default silence limit, in microseconds.
    public let defaultOfflineAfter: Int64
    /// When this machine (the gateway run) began tracking; restored devices are accounted from here.
    public let startedAt: WallInstant

    // Columns, one element per device.
    private var flags: [Flags] = []
    /// Int64.min: never seen.
    private var lastSeen: [Int64] = []
    /// Int64.min: no heartbeat known.
    private var lastHeartbeat: [Int64] = []
    /// Online: last_seen + offline_after (offline strictly after it). Offline: Int64.max, so the sweep skips it.
    private var deadline: [Int64] = []
    /// Counters below are exact up to this instant.
    private var accountedAt: [Int64] = []
    private var uptime: [Int64] = []
    private var downtime: [Int64] = []
    /// The latest birth (`online`) received while already online: stale wills are expected within the grace after it.
    private var birthAt: [Int64] = []
    /// Per-device `offline_after_s`; 0 means the default.
    private var offlineAfterOverride: [Int32] = []
    /// Stale wills still expected (saturating).
    private var pendingWills: [UInt8] = []
    /// Firmware reported since the last write (rare, so a dictionary rather than a column of strings).
    private var pendingFirmware: [Int32: String] = [:]
    /// Devices with unwritten changes, in the order they changed.
    private var dirty: [Int32] = []
    /// Where the next periodic refresh continues (see `takeChanges`).
    private var refreshCursor = 0

    struct Flags: OptionSet, Sendable {
        let rawValue: UInt8
        static let online = Flags(rawValue: 1 << 0)
        static let alertOpen = Flags(rawValue: 1 << 1)
        static let dirty = Flags(rawValue: 1 << 2)
        /// The machine has set the status, so it writes it (else the stored value, e.g. 'maintenance', is left alone).
        static let statusOwned = Flags(rawValue: 1 << 3)
        /// Not a device we track (unknown to the database): no actions, no rows.
        static let ignored = Flags(rawValue: 1 << 4)
    }

    public init(defaultOfflineAfter: Duration, startedAt: WallInstant, expectedDevices: Int = 0) {
        precondition(defaultOfflineAfter > .zero, "offline_after must be positive")
        self.defaultOfflineAfter = defaultOfflineAfter.wholeMicroseconds
        self.startedAt = startedAt
        reserveCapacity(expectedDevices)
    }

    public var count: Int { flags.count }

    public mutating func reserveCapacity(_ capacity: Int) {
        guard capacity > 0 else { return }
        flags.reserveCapacity(capacity)
        lastSeen.reserveCapacity(capacity)
        lastHeartbeat.reserveCapacity(capacity)
        deadline.reserveCapacity(capacity)
        accountedAt.reserveCapacity(capacity)
        uptime.reserveCapacity(capacity)
        downtime.reserveCapacity(capacity)
        birthAt.reserveCapacity(capacity)
        offlineAfterOverride.reserveCapacity(capacity)
        pendingWills.reserveCapacity(capacity)
    }

    // MARK: Adding devices

    /// Adds a device as stored in the database (start-up); returns its handle and any clean-up
    /// (an online device with an open `device_offline` alert gets it resolved).
    public mutating func restore(_ state: RestoredPresence) -> (device: PresenceDevice, actions: [PresenceAction]) {
        let device = append(accountedFrom: startedAt.microseconds)
        let i = Int(device.index)
        uptime[i] = max(0, state.uptimeMicroseconds)
        downtime[i] = max(0, state.downtimeMicroseconds)
        lastSeen[i] = state.lastSeen?.microseconds ?? .min
        lastHeartbeat[i] = state.lastHeartbeat?.microseconds ?? .min
        offlineAfterOverride[i] = Self.override(state.offlineAfterSeconds)
        var actions: [PresenceAction] = []
        if state.isOnline {
            flags[i].insert(.online)
            refreshDeadline(i)
            if state.hasOpenOfflineAlert {
                actions.append(.resolveOfflineAlert(device, at: startedAt))
            }
        } else if state.hasOpenOfflineAlert {
            flags[i].insert(.alertOpen)
        }
        return (device, actions)
    }

    /// Adds a device first heard of at `at` (created after start): offline, nothing accounted before `at`.
    /// Call `merge(_:stored:)` once its stored row is known, or `ignore(_:)` if it has none.
    public mutating func add(at: WallInstant) -> PresenceDevice {
        append(accountedFrom: at.microseconds)
    }

    /// Folds a late-loaded stored row into a device added with `add(at:)`: stored counters are
    /// added (the time before is not tracked), the override applies, and an open alert is
    /// adopted (or resolved if the device is online by now).
    public mutating func merge(_ device: PresenceDevice, stored state: RestoredPresence) -> [PresenceAction] {
        let i = Int(device.index)
        guard !flags[i].contains(.ignored) else { return [] }
        uptime[i] += max(0, state.uptimeMicroseconds)
        downtime[i] += max(0, state.downtimeMicroseconds)
        lastSeen[i] = max(lastSeen[i], state.lastSeen?.microseconds ?? .min)
        lastHeartbeat[i] = max(lastHeartbeat[i], state.lastHeartbeat?.microseconds ?? .min)
        markDirty(i)
        var actions: [PresenceAction] = []
        setOfflineAfter(device, seconds: state.offlineAfterSeconds)
        if state.hasOpenOfflineAlert && !flags[i].contains(.alertOpen) {
            if flags[i].contains(.online) {
                actions.append(.resolveOfflineAlert(device, at: WallInstant(microseconds: accountedAt[i])))
            } else {
                flags[i].insert(.alertOpen)
            }
        }
        if !flags[i].contains(.statusOwned) && !flags[i].contains(.online) && state.isOnline {
            // Stored online, not heard from since it was added: give it the usual silence limit.
            flags[i].insert(.online)
            refreshDeadline(i)
        }
        return actions
    }

    /// Stops tracking a device (no row in the database): later events and sweeps ignore it.
    public mutating func ignore(_ device: PresenceDevice) {
        let i = Int(device.index)
        flags[i] = [.ignored]
        deadline[i] = .max
        pendingFirmware[device.index] = nil
    }

    /// Sets a device's `offline_after_s` (nil: the default); an online device's deadline moves at once.
    public mutating func setOfflineAfter(_ device: PresenceDevice, seconds: Int?) {
        let i = Int(device.index)
        offlineAfterOverride[i] = Self.override(seconds)
        if flags[i].contains(.online) { refreshDeadline(i) }
    }

    private static func override(_ seconds: Int?) -> Int32 {
        guard let seconds, seconds > 0 else { return 0 }
        return Int32(clamping: seconds)
    }

    private mutating func append(accountedFrom instant: Int64) -> PresenceDevice {
        let device = PresenceDevice(index: Int32(flags.count))
        flags.append([])
        lastSeen.append(.min)
        lastHeartbeat.append(.min)
        deadline.append(.max)
        accountedAt.append(instant)
        uptime.append(0)
        downtime.append(0)
        birthAt.append(.min)
        offlineAfterOverride.append(0)
        pendingWills.append(0)
        return device
    }

    // MARK: Events

    /// Any message from the device other than a heartbeat or a status.
    public mutating func messageSeen(_ device: PresenceDevice, at: WallInstant) -> [PresenceAction] {
        let i = Int(device.index)
        guard !flags[i].contains(.ignored) else { return [] }
        let t = max(at.microseconds, accountedAt[i])
        var actions: [PresenceAction] = []
        heard(i, device, at: t, &actions)
        return actions
    }

    /// A heartbeat; `firmware` (when the payload has one) is written with the next flush.
    public mutating func heartbeat(_ device: PresenceDevice, at: WallInstant, firmware: String? = nil) -> [PresenceAction] {
        let i = Int(device.index)
        guard !flags[i].contains(.ignored) else { return [] }
        let t = max(at.microseconds, accountedAt[i])
        var actions: [PresenceAction] = []
        heard(i, device, at: t, &actions)
        lastHeartbeat[i] = max(lastHeartbeat[i], t)
        if let firmware { pendingFirmware[device.index] = firmware }
        return actions
    }

    /// `online` on the status topic. `retained`: replayed by the broker at subscribe, not sent now.
    public mutating func statusOnline(_ device: PresenceDevice, at: WallInstant, retained: Bool = false) -> [PresenceAction] {
        let i = Int(device.index)
        guard !flags[i].contains(.ignored), !retained else { return [] }
        let t = max(at.microseconds, accountedAt[i])
        var actions: [PresenceAction] = []
        settleOverdue(i, device, at: t, &actions)
        if flags[i].contains(.online) {
            // A new connection while the old one still counts as live: its will may yet arrive.
            pendingWills[i] = pendingWills[i] == .max ? .max : pendingWills[i] + 1
            birthAt[i] = t
        }
        heard(i, device, at: t, &actions)
        return actions
    }

    /// `offline` on the status topic (the device's will, or its goodbye).
    public mutating func statusOffline(_ device: PresenceDevice, at: WallInstant, retained: Bool = false) -> [PresenceAction] {
        let i = Int(device.index)
        guard !flags[i].contains(.ignored) else { return [] }
        let t = max(at.microseconds, accountedAt[i])
        var actions: [PresenceAction] = []
        settleOverdue(i, device, at: t, &actions)
        guard flags[i].contains(.online) else { return actions }
        if !retained && pendingWills[i] > 0 && t - birthAt[i] <= offlineAfter(i) {
            pendingWills[i] -= 1
            actions.append(.willOvertaken(device, at: WallInstant(microseconds: t)))
            return actions
        }
        goOffline(i, device, at: t, reason: .will, &actions)
        return actions
    }

    /// Marks offline every online device silent for longer than its limit, dated at its deadline.
    public mutating func sweep(now: WallInstant) -> [PresenceAction] {
        let limit = now.microseconds
        var overdue: [Int] = []
        deadline.withUnsafeBufferPointer { deadlines in
            for i in deadlines.indices where deadlines[i] < limit {
                overdue.append(i)
            }
        }
        var actions: [PresenceAction] = []
        for i in overdue {
            goOffline(i, PresenceDevice(index: Int32(i)), at: deadline[i], reason: .silence, &actions)
        }
        return actions
    }

    // MARK: Writing

    /// Rows for every changed device, plus `refreshing` unchanged ones in round-robin order,
    /// all accounted up to `now` (overdue devices only up to their deadline: call `sweep` first).
    ///
    /// The refresh keeps the stored counters of quiet devices (offline for days) current without
    /// writing every device on every flush. The returned devices count as written; if the write
    /// fails, hand the rows back with `requeue(_:)`.
    public mutating func takeChanges(now: WallInstant, refreshing: Int = 0) -> [PresenceRow] {
        var rows: [PresenceRow] = []
        rows.reserveCapacity(dirty.count + max(0, min(refreshing, count)))
        for index in dirty where flags[Int(index)].contains(.dirty) {
            rows.append(row(Int(index), now: now.microseconds))
        }
        // Dirty flags stay set until the refresh below has skipped those devices.
        var remaining = max(0, min(refreshing, count))
        var scanned = 0
        while remaining > 0 && scanned < count {
            if refreshCursor >= count { refreshCursor = 0 }
            let i = refreshCursor
            refreshCursor += 1
            scanned += 1
            guard !flags[i].contains(.ignored), !flags[i].contains(.dirty) else { continue }
            rows.append(row(i, now: now.microseconds))
            remaining -= 1
        }
        for index in dirty { flags[Int(index)].remove(.dirty) }
        dirty.removeAll(keepingCapacity: true)
        return rows
    }

    /// Marks the devices of rows that could not be written as changed again (their firmware too).
    public mutating func requeue(_ rows: [PresenceRow]) {
        for row in rows {
            let i = Int(row.device.index)
            guard !flags[i].contains(.ignored) else { continue }
            if let firmware = row.firmware, pendingFirmware[row.device.index] == nil {
                pendingFirmware[row.device.index] = firmware
            }
            markDirty(i)
        }
    }

    private mutating func row(_ i: Int, now: Int64) -> PresenceRow {
        account(i, until: now)
        let index = Int32(i)
        let firmware = pendingFirmware.removeValue(forKey: index)
        return PresenceRow(
            device: PresenceDevice(index: index),
            status: flags[i].contains(.statusOwned) ? (flags[i].contains(.online) ? .online : .offline) : nil,
            lastSeen: lastSeen[i] == .min ? nil : WallInstant(microseconds: lastSeen[i]),
            lastHeartbeat: lastHeartbeat[i] == .min ? nil : WallInstant(microseconds: lastHeartbeat[i]),
            firmware: firmware,
            uptimeMicroseconds: uptime[i],
            downtimeMicroseconds: downtime[i],
            accountedAt: WallInstant(microseconds: accountedAt[i])
        )
    }

    // MARK: Transitions

    /// Proof of life at `t`: settle an overdue silence, record the sighting, come online.
    private mutating func heard(_ i: Int, _ device: PresenceDevice, at t: Int64, _ actions: inout [PresenceAction]) {
        settleOverdue(i, device, at: t, &actions)
        if t > lastSeen[i] { lastSeen[i] = t }
        markDirty(i)
        if !flags[i].contains(.online) {
            goOnline(i, device, at: t, &actions)
        }
        refreshDeadline(i)
    }

    private mutating func settleOverdue(_ i: Int, _ device: PresenceDevice, at t: Int64, _ actions: inout [PresenceAction]) {
        if flags[i].contains(.online) && t > deadline[i] {
            goOffline(i, device, at: deadline[i], reason: .silence, &actions)
        }
    }

    private mutating func goOnline(_ i: Int, _ device: PresenceDevice, at t: Int64, _ actions: inout [PresenceAction]) {
        account(i, until: t)
        flags[i].insert([.online, .statusOwned])
        pendingWills[i] = 0
        markDirty(i)
        let instant = WallInstant(microseconds: t)
        actions.append(.markOnline(device, at: instant))
        if flags[i].contains(.alertOpen) {
            flags[i].remove(.alertOpen)
            actions.append(.resolveOfflineAlert(device, at: instant))
        }
    }

    private mutating func goOffline(
        _ i: Int, _ device: PresenceDevice, at t: Int64, reason: OfflineReason, _ actions: inout [PresenceAction]
    ) {
        account(i, until: t)
        flags[i].remove(.online)
        flags[i].insert(.statusOwned)
        deadline[i] = .max
        pendingWills[i] = 0
        markDirty(i)
        let instant = WallInstant(microseconds: max(t, accountedAt[i]))
        actions.append(.markOffline(device, at: instant, reason: reason))
        if !flags[i].contains(.alertOpen) {
            flags[i].insert(.alertOpen)
            actions.append(.raiseOfflineAlert(device, at: instant, reason: reason))
        }
    }

    /// Adds the time since `accountedAt` to the counter of the current status; an online device
    /// is never accounted past its deadline (the rest is downtime once the sweep dates the transition).
    private mutating func account(_ i: Int, until t: Int64) {
        let online = flags[i].contains(.online)
        let until = online ? min(t, deadline[i]) : t
        let from = accountedAt[i]
        guard until > from else { return }
        if online { uptime[i] += until - from } else { downtime[i] += until - from }
        accountedAt[i] = until
    }

    private mutating func markDirty(_ i: Int) {
        if !flags[i].contains(.dirty) {
            flags[i].insert(.dirty)
            dirty.append(Int32(i))
        }
    }

    /// Silence is measured from the last sighting, or from the start of this run if that is later.
    private mutating func refreshDeadline(_ i: Int) {
        deadline[i] = max(lastSeen[i], startedAt.microseconds) + offlineAfter(i)
    }

    private func offlineAfter(_ i: Int) -> Int64 {
        let override = offlineAfterOverride[i]
        return override == 0 ? defaultOfflineAfter : Int64(override) * 1_000_000
    }
}

// MARK: Reading

extension PresenceMachine {
    public func status(of device: PresenceDevice) -> PresenceStatus {
        flags[Int(device.index)].contains(.online) ? .online : .offline
    }

    public func lastSeen(of device: PresenceDevice) -> WallInstant? {
        let value = lastSeen[Int(device.index)]
        return value == .min ? nil : WallInstant(microseconds: value)
    }

    public func lastHeartbeat(of device: PresenceDevice) -> WallInstant? {
        let value = lastHeartbeat[Int(device.index)]
        return value == .min ? nil : WallInstant(microseconds: value)
    }

    /// The instant after which silence makes the device offline; nil while offline.
    /// Tracked devices whose silence deadline falls before `limit` (online devices only: offline ones have none).
    public func devices(dueBefore limit: WallInstant) -> [PresenceDevice] {
        var due: [PresenceDevice] = []
        deadline.withUnsafeBufferPointer { deadlines in
            for i in deadlines.indices where deadlines[i] < limit.microseconds {
                due.append(PresenceDevice(index: Int32(i)))
            }
        }
        return due
    }

    public func offlineDeadline(of device: PresenceDevice) -> WallInstant? {
        let value = deadline[Int(device.index)]
        return value == .max ? nil : WallInstant(microseconds: value)
    }

    public func offlineAfter(of device: PresenceDevice) -> Duration {
        .microseconds(offlineAfter(Int(device.index)))
    }

    /// Whether the machine believes a `device_offline` alert is open (raised and not yet resolved).
    public func hasOpenAlert(_ device: PresenceDevice) -> Bool {
        flags[Int(device.index)].contains(.alertOpen)
    }

    public func isIgnored(_ device: PresenceDevice) -> Bool {
        flags[Int(device.index)].contains(.ignored)
    }

    /// Devices currently online (a linear count; for gauges, not hot paths).
    public var onlineCount: Int {
        flags.reduce(0) { $0 + ($1.contains(.online) ? 1 : 0) }
    }

    /// Uptime and downtime as they would be accounted at `now` (without changing the machine).
    public func counters(of device: PresenceDevice, at now: WallInstant) -> (uptime: Duration, downtime: Duration) {
        let i = Int(device.index)
        var up = uptime[i]
        var down = downtime[i]
        let online = flags[i].contains(.online)
        let until = online ? min(now.microseconds, deadline[i]) : now.microseconds
        if until > accountedAt[i] {
            if online { up += until - accountedAt[i] } else { down += until - accountedAt[i] }
        }
        return (.microseconds(up), .microseconds(down))
    }

    /// Whether the device has changes not yet taken by `takeChanges`.
    public func isDirty(_ device: PresenceDevice) -> Bool {
        flags[Int(device.index)].contains(.dirty)
    }

    /// Bytes held by the columns (capacity, not count): what presence costs per device.
    public var approximateMemoryBytes: Int {
        flags.capacity * MemoryLayout<Flags>.stride
            + (lastSeen.capacity + lastHeartbeat.capacity + deadline.capacity + accountedAt.capacity
                + uptime.capacity + downtime.capacity + birthAt.capacity) * 8
            + offlineAfterOverride.capacity * 4 + pendingWills.capacity + dirty.capacity * 4
    }
}
