/// The three lookup tables behind ``DeviceDirectory``: pure data, no I/O, no locking.
///
/// A key is tried as a serial number (exact), then as a MAC address (normalised), then as an id
/// (contract §3), so when one key matches different devices by serial and by MAC, the serial wins.
/// Lookups do not allocate: `Substring` hashes like the `String` it came from, and MACs and UUIDs
/// are compared as integers.
struct DeviceIndex: Sendable {
    private(set) var byID: [PackedUUID: DeviceRecord] = [:]
    private var bySerial: [Substring: DeviceRecord] = [:]
    private var byMAC: [UInt64: DeviceRecord] = [:]

    init() {}

    init(_ records: some Sequence<DeviceRecord>) {
        for record in records { upsert(record) }
    }

    var count: Int { byID.count }

    func lookup(_ key: Substring) -> DeviceRecord? {
        if let record = bySerial[key] { return record }
        if let mac = MACAddress.value(key), let record = byMAC[mac] { return record }
        if let id = PackedUUID(key), let record = byID[id] { return record }
        return nil
    }

    /// Adds `record` or replaces the row with its id (whose serial or MAC may have changed).
    ///
    /// Two rows whose stored MACs normalise alike (`AA:BB:…` and `aabb…`, which the UNIQUE constraint
    /// allows) cannot both be found by MAC: the one indexed first keeps it.
    mutating func upsert(_ record: DeviceRecord) {
        remove(id: record.id)
        byID[record.id] = record
        if let serial = record.serialNumber, !serial.isEmpty, bySerial[Substring(serial)] == nil {
            bySerial[Substring(serial)] = record
        }
        if let stored = record.macAddress, let mac = MACAddress.value(stored), byMAC[mac] == nil {
            byMAC[mac] = record
        }
    }

    /// Forgets the row with `id` (deleted, soft-deleted, or about to be replaced).
    mutating func remove(id: PackedUUID) {
        guard let old = byID.removeValue(forKey: id) else { return }
        if let serial = old.serialNumber, bySerial[Substring(serial)]?.id == id {
            bySerial[Substring(serial)] = nil
        }
        if let stored = old.macAddress, let mac = MACAddress.value(stored), byMAC[mac]?.id == id {
            byMAC[mac] = nil
        }
    }
}
