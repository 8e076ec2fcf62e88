/// The three lookup tables behind ``DeviceDirectory``: pure data, no I/O, no locking.
///
/// A key is tried as a serial number (exact), then as a MAC address (normalised), then as an id
/// (contract §3), so when one key matches different devices by serial and by MAC, the serial wins.
/// Lookups do not allocate: `Substring` hashes like the `String` it came from, and MACs and UUIDs
/// are compared as integers.
struct DeviceIndex: Sendable {
    private(set) var byID: [PackedUUID: DeviceRecord] = [:]
    // Key tables hold ids, not records: `lookupID` then touches no reference-counted field.
    private var bySerial: [Substring: PackedUUID] = [:]
    private var byMAC: [UInt64: PackedUUID] = [:]

    init() {}

    init(_ records: some Sequence<DeviceRecord>) {
        for record in records { upsert(record) }
    }

    var count: Int { byID.count }

    /// Makes room for `count` devices at once, so loading a large fleet does not grow (and copy) the tables step by step.
    mutating func reserveCapacity(devices: Int, macs: Int) {
        byID.reserveCapacity(devices)
        bySerial.reserveCapacity(devices)
        byMAC.reserveCapacity(macs)
    }

    /// The id of the device `key` names; no reference counting, no allocation.
    func lookupID(_ key: Substring) -> PackedUUID? {
        if let id = bySerial[key] { return id }
        if let mac = MACAddress.value(key), let id = byMAC[mac] { return id }
        if let id = PackedUUID(key), byID.index(forKey: id) != nil { return id }
        return nil
    }

    func lookup(_ key: Substring) -> DeviceRecord? {
        lookupID(key).flatMap { byID[$0] }
    }

    /// Adds `record` or replaces the row with its id (whose serial or MAC may have changed).
    ///
    /// Two rows whose stored MACs normalise alike (`AA:BB:…` and `aabb…`, which the UNIQUE constraint
    /// allows) cannot both be found by MAC: the one indexed first keeps it.
    mutating func upsert(_ record: DeviceRecord) {
        remove(id: record.id)
        byID[record.id] = record
        if let serial = record.serialNumber, !serial.isEmpty, bySerial[Substring(serial)] == nil {
            bySerial[Substring(serial)] = record.id
        }
        if let stored = record.macAddress, let mac = MACAddress.value(stored), byMAC[mac] == nil {
            byMAC[mac] = record.id
        }
    }

    /// Forgets the row with `id` (deleted, soft-deleted, or about to be replaced).
    mutating func remove(id: PackedUUID) {
        guard let old = byID.removeValue(forKey: id) else { return }
        if let serial = old.serialNumber, bySerial[Substring(serial)] == id {
            bySerial[Substring(serial)] = nil
        }
        if let stored = old.macAddress, let mac = MACAddress.value(stored), byMAC[mac] == id {
            byMAC[mac] = nil
        }
    }
}
