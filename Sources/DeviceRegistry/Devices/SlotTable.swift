/// A hash set of slot numbers whose keys live elsewhere (in ``DeviceIndex``'s slots): 4 bytes a
/// bucket, where a `Dictionary` keyed by the text or id itself pays the key's size in every bucket
/// (a `Substring` is 32 bytes; at 100,000 devices and 262,144 buckets that is 9 MiB for serials alone).
///
/// Open addressing with linear probing, at most 70 % full, deletion by backward shift (no
/// tombstones, so a table that sees many changes does not slow down). The caller supplies each
/// slot's hash and, on lookup, tells whether a slot holds the key: the table never sees keys.
/// Lookups do not allocate.
struct SlotTable: Sendable {
    private static let empty: Int32 = -1
    private var buckets: [Int32] = []
    private(set) var count = 0

    init() {}

    /// Buckets held (for memory accounting).
    var bucketCount: Int { buckets.count }

    /// The longest run of occupied buckets: what a lookup may have to walk at worst (a diagnostic;
    /// a well-spread hash keeps it in the tens at 70 % load, a degenerate one makes it the count).
    var longestRun: Int {
        var (longest, run) = (0, 0)
        // Twice round, so that a run wrapping past the end is counted whole.
        for i in 0..<(buckets.count * 2) {
            run = buckets[i % buckets.count] == Self.empty ? 0 : run + 1
            longest = max(longest, min(run, count))
        }
        return longest
    }

    /// The slot whose key `matches`, probing from `hash`.
    func find(hash: Int, _ matches: (Int32) -> Bool) -> Int32? {
        guard !buckets.isEmpty else { return nil }
        let mask = buckets.count - 1
        var i = hash & mask
        while true {
            let slot = buckets[i]
            if slot == Self.empty { return nil }
            if matches(slot) { return slot }
            i = (i + 1) & mask
        }
    }

    /// Adds `slot` (whose key is not in the table yet) under `hash`.
    mutating func insert(_ slot: Int32, hash: Int, hashOf: (Int32) -> Int) {
        if (count + 1) * 10 > buckets.count * 7 { grow(to: count + 1, hashOf: hashOf) }
        place(slot, hash: hash)
        count += 1
    }

    /// Removes `slot`, stored under `hash`; `hashOf` gives the hash of the slots moved back.
    mutating func remove(_ slot: Int32, hash: Int, hashOf: (Int32) -> Int) {
        guard !buckets.isEmpty else { return }
        let mask = buckets.count - 1
        var i = hash & mask
        while buckets[i] != slot {
            if buckets[i] == Self.empty { return }
            i = (i + 1) & mask
        }
        buckets[i] = Self.empty
        count -= 1
        // Backward shift: pull later entries of the run into the hole when their home allows it.
        var j = i
        while true {
            j = (j + 1) & mask
            let moved = buckets[j]
            if moved == Self.empty { return }
            let home = hashOf(moved) & mask
            // `moved` may fill the hole at i unless its home lies cyclically in (i, j].
            let stays = i <= j ? (home > i && home <= j) : (home > i || home <= j)
            if !stays {
                buckets[i] = moved
                buckets[j] = Self.empty
                i = j
            }
        }
    }

    /// Makes room for `count` entries without growing again.
    mutating func reserveCapacity(_ count: Int, hashOf: (Int32) -> Int) {
        if count * 10 > buckets.count * 7 { grow(to: count, hashOf: hashOf) }
    }

    private mutating func grow(to needed: Int, hashOf: (Int32) -> Int) {
        var size = max(16, buckets.count)
        while needed * 10 > size * 7 { size *= 2 }
        let old = buckets
        buckets = Array(repeating: Self.empty, count: size)
        for slot in old where slot != Self.empty { place(slot, hash: hashOf(slot)) }
    }

    private mutating func place(_ slot: Int32, hash: Int) {
        let mask = buckets.count - 1
        var i = hash & mask
        while buckets[i] != Self.empty { i = (i + 1) & mask }
        buckets[i] = slot
    }
}
