import Testing
@testable import Telemetry

@Suite struct TelemetryTimeTests {
    static let valid: [(String, Int64)] = [
        ("1970-01-01T00:00:00Z", 0),
        ("2000-01-01T00:00:00Z", 946_684_800_000_000),
        ("2024-02-29T23:59:59.999999Z", 1_709_251_199_999_999),
        ("2024-05-01T12:00:00+00:00", 1_714_564_800_000_000),
        ("2024-05-01T12:00:00-00:00", 1_714_564_800_000_000),
        ("2024-05-01T14:00:00+02:00", 1_714_564_800_000_000),
        ("2024-05-01T00:00:00-12:00", 1_714_564_800_000_000),
        ("2016-12-31T23:59:60Z", 1_483_228_800_000_000),        // leap second → next minute, as PostgreSQL
        ("2024-05-01T11:59:59.9999995Z", 1_714_564_800_000_000), // rounds into the next second
        ("9999-12-31T23:59:59.999999Z", TelemetryTime.latestMicros),
        ("0001-01-01T00:00:00Z", -62_135_596_800_000_000),
    ]

    @Test(arguments: valid)
    func parses(text: String, micros: Int64) {
        #expect(TelemetryTime.parseRFC3339(text) == micros)
    }

    @Test(arguments: [
        "", "2024-05-01", "2024-05-01T12:00:00", "2024-05-01T12:00Z", "2024-05-01T12:00:00.Z",
        "2024-13-01T00:00:00Z", "2024-00-01T00:00:00Z", "2023-02-29T00:00:00Z", "2024-04-31T00:00:00Z",
        "2024-05-01T24:00:00Z", "2024-05-01T12:60:00Z", "2024-05-01T12:00:61Z", "2024-05-01T12:00:00+24:00",
        "2024-05-01T12:00:00+02", "2024-05-01T12:00:00+0200", "2024-05-01T12:00:00ZZ", "2024-05-01X12:00:00Z",
        "24-05-01T12:00:00Z", "2024/05/01T12:00:00Z", "2024-05-01T12:00:00 Z", "+2024-05-01T12:00:00Z",
        "1714564800",
    ])
    func rejects(text: String) {
        #expect(TelemetryTime.parseRFC3339(text) == nil)
    }

    @Test(arguments: [
        (0, "1970-01-01T00:00:00Z"), (1_714_564_800_500_000, "2024-05-01T12:00:00.5Z"),
        (1_714_564_800_000_001, "2024-05-01T12:00:00.000001Z"), (-1, "1969-12-31T23:59:59.999999Z"),
        (TelemetryTime.latestMicros, "9999-12-31T23:59:59.999999Z"), (951_782_400_000_000, "2000-02-29T00:00:00Z"),
    ] as [(Int64, String)])
    func formats(micros: Int64, text: String) {
        #expect(TelemetryTime.formatRFC3339(micros) == text)
    }

    @Test func formatRoundTripsAcrossTheCalendar() {
        var rng = SplitMix64(state: 7)
        for _ in 0..<5_000 {
            let t = Int64.random(in: -62_135_596_800_000_000...TelemetryTime.latestMicros, using: &rng)
            #expect(TelemetryTime.parseRFC3339(TelemetryTime.formatRFC3339(t)) == t)
        }
    }
}
