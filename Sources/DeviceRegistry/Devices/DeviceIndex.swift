import Telemetry

/// The lookup tables behind ``DeviceDirectory``: pure data, no I/O, no locking.
///
/// A key is tried as a serial number (exact), then as a MAC address (normalised), then as an id
/// (contract §3), so when one key matches different devices by serial and by MAC, the serial wins.
/// Lookups do not allocate: `Substring` hashes like the `String` it came from, and MACs and UUIDs
/// are compared as integers.
///
/// Sized for fleets of 100,000 devices and more: each device is one compact slot in a dense array,
/// and the three key tables map to slot numbers (4 bytes) rather than holding records. A dictionary
/// of records pays the record's size for each of its buckets, about 2.6 per device at that scale
/// (≈ 36 MiB for 100,000), where the dense array pays it once. What devices usually share — owner,
/// `configuration`, time zone, sensor map — is one ``DeviceProfile`` kept once for all of them.
struct DeviceIndex: Sendable {
    /// One device's columns; a vacant slot (a removed device) has `profile == -1` and is reused.
    private struct Slot: Sendable {
        var id: PackedUUID
        var name: String
        var serialNumber: String?
        var mac: StoredMAC
        var profile: Int32
    }

    private var slots: [Slot] = []
    private var vacant: [Int32] = []
    private var profiles = ProfileTable()
    // Key tables hold slot numbers, not keys or records: `lookupID` then touches no reference-counted field.
    private var byID = SlotTable()
    private var bySerial = SlotTable()
    private var byMAC = SlotTable()

    init() {}

    init(_ records: some Sequence<DeviceRecord>) {
        for record in records { upsert(record) }
    }

    var count: Int { byID.count }

    /// Distinct profiles held (a diagnostic: how much the fleet shares).
    var profileCount: Int { profiles.count }

    /// Bytes held by the slots and the key tables: what the index costs beyond the texts longer than
    /// 15 bytes (names, serials) and the shared profiles.
    var approximateMemoryBytes: Int {
        slots.capacity * MemoryLayout<Slot>.stride + vacant.capacity * 4
            + (byID.bucketCount + bySerial.bucketCount + byMAC.bucketCount) * MemoryLayout<Int32>.stride
    }

    /// The longest probe run in any key table (a diagnostic of the hashes' spread).
    var longestProbeRun: Int { max(byID.longestRun, bySerial.longestRun, byMAC.longestRun) }

    /// Makes room for `count` devices at once, so loading a large fleet does not grow (and copy) the tables step by step.
    mutating func reserveCapacity(devices: Int, macs: Int) {
        slots.reserveCapacity(devices)
        let slots = self.slots
        byID.reserveCapacity(devices) { Self.hash(slots[Int($0)].id) }
        bySerial.reserveCapacity(devices) { Self.hash(serial: slots[Int($0)].serialNumber) }
        byMAC.reserveCapacity(macs) { Self.hash(mac: slots[Int($0)].mac.value) }
    }

    /// The id of the device `key` names; no reference counting, no allocation.
    func lookupID(_ key: Substring) -> PackedUUID? {
        slotNumber(key).map { slots[Int($0)].id }
    }

    func lookup(_ key: Substring) -> DeviceRecord? {
        slotNumber(key).map(record(at:))
    }

    /// The device with `id`, if it is held.
    func record(id: PackedUUID) -> DeviceRecord? {
        slotNumber(id: id).map(record(at:))
    }

    /// Every device held (a copy; for diagnostics and sweeps, not the hot path).
    var records: [DeviceRecord] {
        slots.indices.filter { slots[$0].profile >= 0 }.map { record(at: Int32($0)) }
    }

    private func slotNumber(_ key: Substring) -> Int32? {
        if let slot = slotNumber(serial: key) { return slot }
        if let mac = MACAddress.value(key), let slot = slotNumber(mac: mac) { return slot }
        if let id = PackedUUID(key), let slot = slotNumber(id: id) { return slot }
        return nil
    }

    private func slotNumber(serial: Substring) -> Int32? {
        bySerial.find(hash: serial.hashValue) { slot in
            slots[Int(slot)].serialNumber.map { $0[...] == serial } ?? false
        }
    }

    private func slotNumber(mac: UInt64) -> Int32? {
        byMAC.find(hash: Self.hash(mac: mac)) { slots[Int($0)].mac.value == mac }
    }

    private func slotNumber(id: PackedUUID) -> Int32? {
        byID.find(hash: Self.hash(id)) { slots[Int($0)].id == id }
    }

    private func record(at slot: Int32) -> DeviceRecord {
        let stored = slots[Int(slot)]
        let profile = profiles[stored.profile]
        var record = DeviceRecord(
            id: stored.id, name: stored.name, serialNumber: stored.serialNumber, ownerID: profile.ownerID,
            configuration: profile.configuration, timezone: profile.timezone, sensorMap: profile.sensorMap)
        record.mac = stored.mac
        return record
    }

    /// Adds `record` or replaces the row with its id (whose serial or MAC may have changed).
    ///
    /// Two rows whose stored MACs normalise alike (`AA:BB:…` and `aabb…`, which the UNIQUE constraint
    /// allows) cannot both be found by MAC: the one indexed first keeps it.
    mutating func upsert(_ record: DeviceRecord) {
        remove(id: record.id)
        let stored = Slot(
            id: record.id, name: record.name, serialNumber: record.serialNumber, mac: record.mac,
            profile: profiles.acquire(DeviceProfile(record)))
        let slot: Int32
        if let reused = vacant.popLast() {
            slot = reused
            slots[Int(slot)] = stored
        } else {
            slot = Int32(slots.count)
            slots.append(stored)
        }
        let slots = self.slots
        byID.insert(slot, hash: Self.hash(record.id)) { Self.hash(slots[Int($0)].id) }
        if let serial = record.serialNumber, !serial.isEmpty, slotNumber(serial: serial[...]) == nil {
            bySerial.insert(slot, hash: serial[...].hashValue) { Self.hash(serial: slots[Int($0)].serialNumber) }
        }
        if let mac = record.mac.value, slotNumber(mac: mac) == nil {
            byMAC.insert(slot, hash: Self.hash(mac: mac)) { Self.hash(mac: slots[Int($0)].mac.value) }
        }
    }

    /// Forgets the row with `id` (deleted, soft-deleted, or about to be replaced).
    mutating func remove(id: PackedUUID) {
        guard let slot = slotNumber(id: id) else { return }
        let old = slots[Int(slot)]
        do {
            // A second reference to the slots for the tables' rehashing; it must be gone before the
            // slot is cleared below, or that write would copy every slot.
            let slots = self.slots
            byID.remove(slot, hash: Self.hash(id)) { Self.hash(slots[Int($0)].id) }
            if let serial = old.serialNumber, !serial.isEmpty, slotNumber(serial: serial[...]) == slot {
                bySerial.remove(slot, hash: serial[...].hashValue) { Self.hash(serial: slots[Int($0)].serialNumber) }
            }
            if let mac = old.mac.value, slotNumber(mac: mac) == slot {
                byMAC.remove(slot, hash: Self.hash(mac: mac)) { Self.hash(mac: slots[Int($0)].mac.value) }
            }
        }
        profiles.release(old.profile)
        self.slots[Int(slot)] = Slot(id: PackedUUID(high: 0, low: 0), name: "", serialNumber: nil, mac: .none, profile: -1)
        vacant.append(slot)
    }

    // Hashes for the key tables. Ids and MACs are integers: a multiplicative mix spreads them over
    // the low bits the table uses; serials use the standard library's seeded hash (the hash of a
    // `Substring` equals that of the `String` it came from). An id mixes each half on its own before
    // combining: a linear combination of the halves (`high ^ low·φ`) is the same for every id on one
    // line (all 0 for ids with `high == low·φ`), and with linear probing such ids form one run, so
    // each insertion and lookup walks all of them.
    private static func hash(_ id: PackedUUID) -> Int { mix(id.high ^ UInt64(bitPattern: Int64(mix(id.low)))) }
    private static func hash(mac: UInt64?) -> Int { mix(mac ?? 0) }
    private static func hash(serial: String?) -> Int { (serial ?? "")[...].hashValue }

    private static func mix(_ value: UInt64) -> Int {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int(truncatingIfNeeded: z ^ (z >> 31))
    }
}

/// The columns of a device that a fleet's devices usually share.
struct DeviceProfile: Sendable, Hashable {
    var ownerID: String?
    var configuration: String?
    var timezone: String?
    var sensorMap: SensorMap?

    init(ownerID: String? = nil, configuration: String? = nil, timezone: String? = nil, sensorMap: SensorMap? = nil) {
        self.ownerID = ownerID
        self.configuration = configuration
        self.timezone = timezone
        self.sensorMap = sensorMap
    }

    init(_ record: DeviceRecord) {
        self.init(ownerID: record.ownerID, configuration: record.configuration, timezone: record.timezone, sensorMap: record.sensorMap)
    }
}

/// Distinct ``DeviceProfile``s, each held once and counted by the devices that use it; a profile
/// no device uses any more is dropped and its number reused, so changes never grow the table.
struct ProfileTable: Sendable {
    private var entries: [DeviceProfile] = []
    private var users: [Int32] = []
    private var numbers: [DeviceProfile: Int32] = [:]
    private var vacant: [Int32] = []

    var count: Int { numbers.count }

    subscript(number: Int32) -> DeviceProfile { entries[Int(number)] }

    /// The number of `profile`, counting one more user.
    mutating func acquire(_ profile: DeviceProfile) -> Int32 {
        if let number = numbers[profile] {
            users[Int(number)] += 1
            return number
        }
        let number: Int32
        if let reused = vacant.popLast() {
            number = reused
            entries[Int(number)] = profile
            users[Int(number)] = 1
        } else {
            number = Int32(entries.count)
            entries.append(profile)
            users.append(1)
        }
        numbers[profile] = number
        return number
    }

    /// One user less; the profile goes when it has none.
    mutating func release(_ number: Int32) {
        let i = Int(number)
        users[i] -= 1
        guard users[i] == 0 else { return }
        numbers[entries[i]] = nil
        entries[i] = DeviceProfile()
        vacant.append(number)
    }
}
