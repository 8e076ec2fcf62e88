import Testing
import WallTime

@Suite struct LocalZoneConversionTests {
    /// Seconds of a civil time counted as if it were UTC (2000-01-01 based arithmetic kept simple).
    static func local(_ y: Int, _ mo: Int, _ d: Int, _ h: Int, _ mi: Int) -> Int64 {
        CivilDate(year: y, month: mo, day: d).dayNumber * 86_400 + Int64(h * 3600 + mi * 60)
    }

    @Test func winterAndSummerOffsets() throws {
        let berlin = try #require(LocalZone(name: "Europe/Berlin"))
        let winter = Self.local(2026, 12, 4, 10, 0)
        #expect(berlin.utcMicros(fromLocal: winter * 1_000_000) == (winter - 3600) * 1_000_000)
        let summer = Self.local(2026, 7, 1, 12, 0)
        #expect(berlin.utcMicros(fromLocal: summer * 1_000_000) == (summer - 7200) * 1_000_000)
    }

    @Test func repeatedHourIsItsFirstOccurrenceAndSkippedHourMovesForward() throws {
        let berlin = try #require(LocalZone(name: "Europe/Berlin"))
        // 2026-10-25 03:00 CEST → 02:00 CET: 02:30 happens at 00:30Z and again at 01:30Z.
        #expect(berlin.offsetSeconds(forLocal: Self.local(2026, 10, 25, 2, 30)) == 7200)
        #expect(berlin.offsetSeconds(forLocal: Self.local(2026, 10, 25, 3, 0)) == 3600)
        // 2026-03-29 02:00 CET → 03:00 CEST: 02:30 does not exist; read as 03:30 CEST (01:30Z).
        #expect(berlin.offsetSeconds(forLocal: Self.local(2026, 3, 29, 2, 30)) == 3600)
        #expect(berlin.offsetSeconds(forLocal: Self.local(2026, 3, 29, 3, 30)) == 7200)
    }

    @Test func cachedSpansGiveTheSameAnswersAsFreshZones() throws {
        let cached = try #require(LocalZone(name: "America/New_York"))
        // Walk two years hour by hour (crossing four transitions) with one zone, checking each answer
        // against a zone that has seen nothing.
        let start = Self.local(2025, 1, 1, 0, 30)
        for hour in stride(from: Int64(0), to: 2 * 366 * 24, by: 7) {
            let local = start + hour * 3600
            let fresh = try #require(LocalZone(name: "America/New_York"))
            #expect(cached.offsetSeconds(forLocal: local) == fresh.offsetSeconds(forLocal: local))
        }
    }

    @Test func unknownNamesAndUTC() {
        #expect(LocalZone(name: "Mars/Olympus_Mons") == nil)
        let zones = LocalZones()
        if case .utc = zones.lookup(nil) {} else { Issue.record("nil is UTC") }
        if case .utc = zones.lookup("UTC") {} else { Issue.record("UTC is UTC") }
        if case .unknown(let name) = zones.lookup("Mars/Olympus_Mons") { #expect(name == "Mars/Olympus_Mons") } else { Issue.record("unknown") }
        if case .zone(let zone) = zones.lookup("Asia/Kolkata") {
            #expect(zone.offsetSeconds(forLocal: Self.local(2026, 1, 1, 12, 0)) == 19_800)
        } else { Issue.record("Asia/Kolkata is a zone") }
    }
}
