@testable import DeviceRegistry
import Telemetry
import Testing

@Suite("DeviceIndex: keys and precedence")
struct DeviceIndexLookupTests {
    let a = DeviceRecord(id: PackedUUID(high: 1, low: 1), name: "a", serialNumber: "SN-1", macAddress: "AA:BB:CC:DD:EE:01")
    let b = DeviceRecord(id: PackedUUID(high: 2, low: 2), name: "b", serialNumber: nil, macAddress: "aabbccddee02")
    let c = DeviceRecord(id: PackedUUID(high: 3, low: 3), name: "c")

    @Test func findsBySerialMACAndID() {
        let index = DeviceIndex([a, b, c])
        #expect(index.lookup("SN-1") == a)
        #expect(index.lookup("sn-1") == nil, "serial numbers match exactly")
        for spelling in ["AA:BB:CC:DD:EE:01", "aa:bb:cc:dd:ee:01", "aabbccddee01", "AABBCCDDEE01", "aA:Bb:cC:dD:eE:01"] {
            #expect(index.lookup(spelling[...]) == a, "\(spelling)")
        }
        for spelling in ["aabbccddee02", "AA:BB:CC:DD:EE:02"] { #expect(index.lookup(spelling[...]) == b) }
        #expect(index.lookup("aabb:ccdd:ee02") == nil, "colons all present or all absent")
        #expect(index.lookup(c.id.string[...]) == c)
        #expect(index.lookup(c.id.string.uppercased()[...]) == c)
        #expect(index.lookup(a.id.string[...]) == a)
        #expect(index.lookup("nope") == nil)
    }

    @Test func serialBeatsMACBeatsID() {
        // Device x's serial is spelled like y's MAC; v's serial like z's id.
        let z = DeviceRecord(id: PackedUUID(high: 9, low: 9), name: "z")
        let y = DeviceRecord(id: PackedUUID(high: 8, low: 8), name: "y", macAddress: "11:22:33:44:55:66")
        let x = DeviceRecord(id: PackedUUID(high: 7, low: 7), name: "x", serialNumber: "112233445566")
        let w = DeviceRecord(id: PackedUUID(high: 6, low: 6), name: "w", macAddress: z.id.string)  // not a MAC: ignored
        let index = DeviceIndex([z, y, x, w])
        #expect(index.lookup("112233445566") == x)
        #expect(index.lookup("11:22:33:44:55:66") == y)
        let v = DeviceRecord(id: PackedUUID(high: 5, low: 5), name: "v", serialNumber: z.id.string)
        #expect(DeviceIndex([z, v]).lookup(z.id.string[...]) == v)
        #expect(DeviceIndex([z, w]).lookup(z.id.string[...]) == z)
    }

    @Test func upsertReplacesOldKeysAndRemoveForgetsThem() {
        var index = DeviceIndex([a])
        var renamed = a
        renamed.serialNumber = "SN-2"
        renamed.macAddress = nil
        index.upsert(renamed)
        #expect(index.lookup("SN-1") == nil)
        #expect(index.lookup("aabbccddee01") == nil)
        #expect(index.lookup("SN-2") == renamed)
        index.remove(id: a.id)
        #expect(index.lookup("SN-2") == nil)
        #expect(index.count == 0)
    }

    @Test func publishKeyPrefersSerialThenStoredMACThenID() {
        #expect(a.publishKey == "SN-1")
        #expect(b.publishKey == "aabbccddee02")
        #expect(c.publishKey == c.id.string)
        #expect(DeviceRecord(id: c.id, name: "e", serialNumber: "", macAddress: "").publishKey == c.id.string)
    }

    @Test(arguments: [
        "AA:BB:CC:DD:EE:FF", "aabbccddeeff", "AABBCCDDEEFF", "aa:bb:cc:dd:ee:fg", "aa-bb-cc-dd-ee-ff",
        "aabbccddeef", "aa:bb:cc:dd:ee:f:", "aa:bbcc:dd:ee:ff", "0123456789ab", ":::::::::::::::::", "",
        "00:00:00:00:00:00", "ffffffffffff", "ü1:22:33:44:55",
    ])
    func macParsingAgreesWithDeviceKey(_ key: String) throws {
        let normalized = DeviceKey.normalizedMAC(key)
        let value = MACAddress.value(key)
        #expect((normalized == nil) == (value == nil))
        if let normalized, let value {
            #expect(UInt64(normalized, radix: 16) == value)
        }
    }
}

@Suite("NegativeCache: TTL and bound")
struct NegativeCacheTests {
    @Test func expiresAfterTTLAndStaysBounded() {
        let t0 = ContinuousClock.now
        var cache = NegativeCache(ttl: .seconds(5), capacity: 3)
        cache.insert("ghost", now: t0)
        #expect(cache.contains("ghost", now: t0 + .seconds(4)))
        #expect(!cache.contains("ghost", now: t0 + .seconds(5)))
        #expect(!cache.contains("other", now: t0))
        cache.insert("b", now: t0)
        cache.insert("c", now: t0)
        cache.insert("d", now: t0 + .seconds(10))  // full: the expired entries go
        #expect(cache.count == 1)
        #expect(cache.contains("d", now: t0 + .seconds(11)))
        cache.remove("d")
        #expect(cache.count == 0)
    }
}
