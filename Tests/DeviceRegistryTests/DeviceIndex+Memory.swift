@testable import DeviceRegistry
import Telemetry
import Testing

@Suite("DeviceIndex: compact at fleet scale")
struct DeviceIndexMemoryTests {
    static let owner = "1f0e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"

    static func fleet(_ count: Int) -> [DeviceRecord] {
        (0..<count).map { n in
            let hex = String(UInt64(0x0A00_0000_0000) + UInt64(n), radix: 16)
            let mac = String(repeating: "0", count: 12 - hex.count) + hex
            let colons = stride(from: 0, to: 12, by: 2).map { i in
                String(mac[mac.index(mac.startIndex, offsetBy: i)..<mac.index(mac.startIndex, offsetBy: i + 2)])
            }.joined(separator: ":")
            return DeviceRecord(
                id: PackedUUID(high: UInt64(n) &* 0x9E37_79B9_7F4A_7C15, low: UInt64(n)), name: "fleet \(n)",
                serialNumber: "fleet-\(n)", macAddress: colons, ownerID: owner, configuration: "{}", timezone: "UTC")
        }
    }

    /// The slots and key tables of 100,000 devices: about 100 bytes each, where a dictionary of
    /// records and two of keys took ≈ 550 (and a 17-byte MAC text 64 more, now packed into the slot).
    @Test func aHundredThousandDevicesTakeAboutAHundredBytesEach() {
        let records = Self.fleet(100_000)
        var index = DeviceIndex()
        index.reserveCapacity(devices: records.count, macs: records.count)
        for record in records { index.upsert(record) }
        #expect(index.count == 100_000)
        #expect(index.profileCount == 1, "one owner, configuration and time zone for the whole fleet")
        let perDevice = index.approximateMemoryBytes / index.count
        #expect(perDevice <= 128, "\(perDevice) bytes per device")
        // Every device still resolves by each of its keys, to the record it was given.
        for record in records where record.id.low % 997 == 0 {
            #expect(index.lookup(Substring(record.serialNumber!)) == record)
            #expect(index.lookup(Substring(record.macAddress!)) == record)
            #expect(index.lookup(Substring(record.macAddress!.uppercased())) == record)
            #expect(index.lookup(Substring(record.id.string)) == record)
            #expect(index.record(id: record.id) == record)
        }
    }

    /// Ids whose halves are related (here `high == low·φ`, as in `fleet`) still spread over the id
    /// table: a hash that combined the halves linearly gave them all one bucket, one probe run as
    /// long as the fleet, and each insertion walked it (100,000 devices took minutes).
    @Test func relatedIDsSpreadOverTheTable() {
        let index = DeviceIndex(Self.fleet(5_000))
        #expect(index.count == 5_000)
        #expect(index.longestProbeRun < 200, "longest probe run \(index.longestProbeRun)")
    }

    /// Changes and removals reuse slots and profiles: a long run of changes does not grow the index.
    @Test func changesReuseSlotsAndProfiles() {
        var index = DeviceIndex(Self.fleet(100))
        var before = 0
        for round in 0..<1_000 {
            if round == 1 { before = index.approximateMemoryBytes }  // after the first removal made the list of vacant slots
            var record = Self.fleet(100)[round % 100]
            record.configuration = #"{"round":\#(round)}"#
            index.upsert(record)
            index.remove(id: Self.fleet(100)[(round + 50) % 100].id)
            index.upsert(Self.fleet(100)[(round + 50) % 100])
        }
        #expect(index.count == 100)
        #expect(index.approximateMemoryBytes == before)
        #expect(index.profileCount <= 101, "\(index.profileCount) profiles")
        for record in Self.fleet(100) {
            #expect(index.lookup(Substring(record.serialNumber!))?.id == record.id)
            #expect(index.lookupID(Substring(record.macAddress!)) == record.id)
        }
    }

    /// Removing devices whose keys collide in the tables keeps every other device findable
    /// (deletion moves later entries of a probe run back).
    @Test func removalKeepsTheRestFindable() {
        let records = Self.fleet(2_000)
        var index = DeviceIndex(records)
        for record in records where record.id.low % 3 == 0 { index.remove(id: record.id) }
        for record in records {
            let expected = record.id.low % 3 == 0 ? nil : record
            #expect(index.lookup(Substring(record.serialNumber!)) == expected)
            #expect(index.lookup(Substring(record.macAddress!)) == expected)
            #expect(index.lookup(Substring(record.id.string)) == expected)
        }
        #expect(index.count == records.count - 667)
    }

    /// The MAC is kept packed, and comes back exactly as it was stored, whatever the spelling.
    @Test(arguments: [
        "AA:BB:CC:DD:EE:01", "aa:bb:cc:dd:ee:01", "aabbccddee01", "AABBCCDDEE01", "aA:Bb:cC:dD:eE:01",
        "00:11:22:33:44:55", "001122334455", "aa-bb-cc-dd-ee-01", "not a mac", "",
    ])
    func macComesBackAsStored(_ stored: String) {
        let record = DeviceRecord(id: PackedUUID(high: 1, low: 2), name: "m", macAddress: stored)
        #expect(record.macAddress == stored)
        #expect(DeviceIndex([record]).record(id: record.id)?.macAddress == stored)
        #expect(record.publishKey == (stored.isEmpty ? record.id.string : stored))
    }
}
