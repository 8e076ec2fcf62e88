import GatewayConfig
@testable import Ingest
import Testing
import WallTime

@Suite("PartitionBucket: day, ISO week and month boundaries in UTC")
struct PartitionBucketBoundaryTests {
    static func micros(_ y: Int, _ m: Int, _ d: Int, _ hh: Int64 = 0, _ mm: Int64 = 0) -> Int64 {
        CivilDate(year: y, month: m, day: d).dayNumber * CivilDate.microsPerDay + (hh * 3600 + mm * 60) * 1_000_000
    }

    @Test func civilDatesRoundTripAcrossCenturiesAndLeapDays() {
        for day in stride(from: Int64(-800_000), through: 800_000, by: 97) {
            #expect(CivilDate(dayNumber: day).dayNumber == day)
        }
        #expect(CivilDate(dayNumber: 0) == CivilDate(year: 1970, month: 1, day: 1))
        #expect(CivilDate(year: 2024, month: 2, day: 29).dayNumber + 1 == CivilDate(year: 2024, month: 3, day: 1).dayNumber)
        #expect(CivilDate(year: 2100, month: 2, day: 28).dayNumber + 1 == CivilDate(year: 2100, month: 3, day: 1).dayNumber)
        #expect(CivilDate(year: 2000, month: 2, day: 29).dayNumber + 1 == CivilDate(year: 2000, month: 3, day: 1).dayNumber)
        #expect(CivilDate.dayNumber(micros: -1) == -1)
    }

    @Test func dayBuckets() {
        let bucket = PartitionBucket(containing: Self.micros(2026, 11, 25, 23, 59), interval: .day)
        #expect(bucket.name == "sensor_readings_p20261125")
        #expect(bucket.startMicros == Self.micros(2026, 11, 25))
        #expect(bucket.endMicros == Self.micros(2026, 11, 26))
        #expect(PartitionBucket(containing: Self.micros(2024, 2, 29, 12), interval: .day).next.name == "sensor_readings_p20240301")
        #expect(PartitionBucket(containing: Self.micros(2026, 12, 31, 23), interval: .day).next.name == "sensor_readings_p20270101")
    }

    @Test func weekBucketsStartOnIsoMondayAcrossYears() {
        // 2026-11-25 is a Wednesday.
        #expect(PartitionBucket(containing: Self.micros(2026, 11, 25), interval: .week).name == "sensor_readings_w20261123")
        #expect(PartitionBucket(containing: Self.micros(2026, 11, 23), interval: .week).name == "sensor_readings_w20261123")
        #expect(PartitionBucket(containing: Self.micros(2026, 11, 29, 23, 59), interval: .week).name == "sensor_readings_w20261123")
        // 2027-01-01 is a Friday: its week began 2026-12-28.
        let week = PartitionBucket(containing: Self.micros(2027, 1, 1), interval: .week)
        #expect(week.name == "sensor_readings_w20261228")
        #expect(week.endMicros - week.startMicros == 7 * CivilDate.microsPerDay)
        #expect(PartitionBucket(containing: Self.micros(1970, 1, 1), interval: .week).name == "sensor_readings_w19691229")
    }

    @Test func monthBucketsIncludingLeapFebruary() {
        let february = PartitionBucket(containing: Self.micros(2024, 2, 29, 23), interval: .month)
        #expect(february.name == "sensor_readings_m202402")
        #expect(february.endMicros - february.startMicros == 29 * CivilDate.microsPerDay)
        #expect(PartitionBucket(containing: Self.micros(2026, 12, 31), interval: .month).next.name == "sensor_readings_m202701")
    }

    @Test func gapsBetweenRanges() {
        let ranges = [
            PartitionRange(name: "a", startMicros: 0, endMicros: 10),
            PartitionRange(name: "b", startMicros: 10, endMicros: 20),
            PartitionRange(name: "c", startMicros: 30, endMicros: 40),
        ]
        #expect(ranges.firstGap(from: 0, to: 20) == nil)
        #expect(ranges.firstGap(from: 5, to: 35) == 20)
        #expect(ranges.firstGap(from: 30, to: 45) == 40)
        #expect(ranges.firstGap(from: 50, to: 60) == 50)
        #expect([PartitionRange]().firstGap(from: 1, to: 2) == 1)
    }

    @Test func retentionCutoffIsNowMinusRetentionButNeverBefore2000() {
        let now = Self.micros(2026, 11, 25, 12)
        #expect(PartitionManager.retentionCutoffMicros(now: now, retentionDays: 10) == Self.micros(2026, 11, 15, 12))
        #expect(PartitionManager.retentionCutoffMicros(now: now, retentionDays: 36_500) == Self.micros(2000, 1, 1))
    }
}
