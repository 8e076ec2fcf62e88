@testable import Ingest
import Testing
import WallTime

/// Which partition a batch can be COPYed into directly: one that wholly covers all of its days.
@Suite("PartitionRange: the one partition covering a batch's days")
struct PartitionRangeCoveringDaysTests {
    static let day = CivilDate.microsPerDay

    static let ranges = [
        PartitionRange(name: "p10", startMicros: 10 * day, endMicros: 11 * day),
        PartitionRange(name: "w11", startMicros: 11 * day, endMicros: 18 * day),
        // Odd bounds, as another application may make them: noon of day 18 to day 20.
        PartitionRange(name: "odd", startMicros: 18 * day + day / 2, endMicros: 20 * day),
        PartitionRange(name: "max", startMicros: 30 * day, endMicros: .max),
    ]

    @Test func aDayOrSeveralInsideOnePartition() {
        #expect(Self.ranges.partition(coveringDays: [10])?.name == "p10")
        #expect(Self.ranges.partition(coveringDays: [11])?.name == "w11")
        #expect(Self.ranges.partition(coveringDays: [17, 11, 14])?.name == "w11")
        #expect(Self.ranges.partition(coveringDays: [19])?.name == "odd")
        #expect(Self.ranges.partition(coveringDays: [400])?.name == "max")
    }

    @Test func noneWhenTheDaysSpanPartitionsOrABoundCutsADay() {
        #expect(Self.ranges.partition(coveringDays: [10, 11]) == nil, "midnight between two partitions")
        #expect(Self.ranges.partition(coveringDays: [18]) == nil, "day 18 is split at noon")
        #expect(Self.ranges.partition(coveringDays: [19, 21]) == nil)
        #expect(Self.ranges.partition(coveringDays: [25]) == nil, "no partition at all")
        #expect(Self.ranges.partition(coveringDays: []) == nil)
    }
}
