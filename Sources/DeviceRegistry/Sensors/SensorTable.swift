import Telemetry

/// An open-addressing hash table of sensor types keyed by name, case-insensitively, looked up with
/// raw UTF-8 bytes straight from a payload: no `String`, no allocation on the hot path.
///
/// Slots hold indices into `types`; the probe hashes with `SensorName.caseInsensitiveHash` and
/// confirms with `SensorName.equalsIgnoringCase`. Built once per (re)load, then read-only.
struct SensorTable: Sendable {
    let types: [SensorType]
    private let hashes: [UInt64]
    private let slots: [Int32]
    private let mask: Int

    init(_ types: [SensorType]) {
        // Names are UNIQUE in the database but only case-sensitively: keep the first of any that fold alike.
        var kept: [SensorType] = []
        var keptHashes: [UInt64] = []
        var capacity = 16
        while capacity < types.count * 2 { capacity <<= 1 }
        var slots = [Int32](repeating: -1, count: capacity)
        let mask = capacity - 1
        for type in types {
            let hash = SensorName.caseInsensitiveHash(type.name)
            var slot = Int(truncatingIfNeeded: hash) & mask
            var duplicate = false
            while slots[slot] >= 0 {
                let other = kept[Int(slots[slot])]
                if keptHashes[Int(slots[slot])] == hash, SensorTable.foldedEqual(other.name, type.name) {
                    duplicate = true
                    break
                }
                slot = (slot + 1) & mask
            }
            if duplicate { continue }
            slots[slot] = Int32(kept.count)
            kept.append(type)
            keptHashes.append(hash)
        }
        self.types = kept
        hashes = keptHashes
        self.slots = slots
        self.mask = mask
    }

    var count: Int { types.count }

    /// The type whose name equals `name` ignoring ASCII case.
    func lookup(_ name: UnsafeRawBufferPointer) -> SensorType? {
        let hash = SensorName.caseInsensitiveHash(name)
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let index = Int(slots[slot])
            if index < 0 { return nil }
            if hashes[index] == hash, SensorName.equalsIgnoringCase(name, types[index].name) {
                return types[index]
            }
            slot = (slot + 1) & mask
        }
    }

    private static func foldedEqual(_ a: String, _ b: String) -> Bool {
        var b = b
        return b.withUTF8 { SensorName.equalsIgnoringCase(UnsafeRawBufferPointer($0), a) }
    }
}
