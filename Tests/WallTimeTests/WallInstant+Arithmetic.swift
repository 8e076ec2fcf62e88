import Foundation
import Testing
import WallTime

@Suite("WallInstant")
struct WallInstantTests {
    let t0 = WallInstant(seconds: 1_714_564_800)

    @Test func durationsAreTruncatedToWholeMicroseconds() {
        #expect(t0 + .nanoseconds(1999) == WallInstant(microseconds: t0.microseconds + 1))
        #expect(t0 - .nanoseconds(1999) == WallInstant(microseconds: t0.microseconds - 1))
        #expect(t0 + .nanoseconds(-1999) == WallInstant(microseconds: t0.microseconds - 1))
        #expect(t0.advanced(by: .seconds(30)) == t0 + .seconds(30))
        #expect(t0 + .milliseconds(1500) - t0 == .microseconds(1_500_000))
        #expect(t0.duration(to: t0 + .seconds(2)) == .seconds(2))
        #expect(t0 - (t0 + .seconds(2)) == .seconds(-2))
        #expect(Duration.nanoseconds(-1999).wholeMicroseconds == -1)
        #expect(Duration.seconds(-3).wholeMicroseconds == -3_000_000)
    }

    @Test func initialisersAndOrder() {
        #expect(WallInstant(seconds: 2) == WallInstant(microseconds: 2_000_000))
        #expect(WallInstant(seconds: -2).microseconds == -2_000_000)
        #expect(t0 < t0 + .microseconds(1))
        #expect([t0 + .seconds(1), t0, t0 - .seconds(1)].sorted() == [t0 - .seconds(1), t0, t0 + .seconds(1)])
        #expect(Set([t0, WallInstant(microseconds: t0.microseconds)]).count == 1)
    }

    @Test func nowIsTheWallClock() {
        let before = Int64((Date().timeIntervalSince1970 * 1_000_000).rounded(.down)) - 1000
        let now = WallInstant.now()
        let after = Int64((Date().timeIntervalSince1970 * 1_000_000).rounded(.up)) + 1000
        #expect((before...after).contains(now.microseconds))
    }

    @Test(arguments: [
        (0, "1970-01-01 00:00:00.000000"),
        (1, "1970-01-01 00:00:00.000001"),
        (-1, "1969-12-31 23:59:59.999999"),
        (1_714_564_800_500_000, "2024-05-01 12:00:00.500000"),
        (951_782_400_000_000, "2000-02-29 00:00:00.000000"),
        (-2_208_988_800_000_000, "1900-01-01 00:00:00.000000"),
        (253_402_300_799_999_999, "9999-12-31 23:59:59.999999"),
    ] as [(Int64, String)])
    func printsAndParsesAsPostgreSQL(micros: Int64, text: String) {
        #expect(WallInstant(microseconds: micros).description == text)
        #expect(WallInstant(timestampText: text) == WallInstant(microseconds: micros))
    }

    @Test func parsesShortFractionsAndT() {
        #expect(WallInstant(timestampText: "2024-05-01 12:00:00")?.microseconds == 1_714_564_800_000_000)
        #expect(WallInstant(timestampText: "2024-05-01 12:00:00.5")?.microseconds == 1_714_564_800_500_000)
        #expect(WallInstant(timestampText: "2024-05-01T12:00:00.000123")?.microseconds == 1_714_564_800_000_123)
    }

    @Test(arguments: [
        "", "infinity", "-infinity", "2024-05-01", "2024-05-01 12:00:00.", "2024-05-01 12:00:00.1234567",
        "2024-05-01 12:00:00+00", "2024-13-01 12:00:00", "2024-05-00 12:00:00", "2024-05-01 24:00:00",
        "2024-05-01 12:60:00", "2024-05-01 12:00:60", "2024/05/01 12:00:00", "0044-03-15 12:00:00 BC", "2024-05-01 1a:00:00",
    ])
    func rejectsWhatPostgreSQLDoesNotPrint(text: String) {
        #expect(WallInstant(timestampText: text) == nil)
    }

    /// Every microsecond offset pattern survives print → parse, across 1900…2200 and before 1970.
    @Test func textRoundTripsAtMicrosecondPrecision() {
        var micros: Int64 = -2_208_988_800_000_000
        var step: Int64 = 1
        while micros < 7_258_118_400_000_000 {
            let instant = WallInstant(microseconds: micros)
            #expect(WallInstant(timestampText: instant.description) == instant)
            micros += 86_399_999_999 + step
            step = (step * 7 + 13) % 1_000_003
        }
    }
}
