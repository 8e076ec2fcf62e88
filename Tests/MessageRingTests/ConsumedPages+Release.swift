import Testing
@testable import MessageRing

/// The pure page arithmetic behind releasing consumed ring pages: which ranges, when, and never one
/// that still holds an unreleased byte.
@Suite("ConsumedPages: which pages behind the tail are released")
struct ConsumedPagesReleaseTests {
    let page = 4096

    func pages(capacity: Int, chunk: Int, tail: UInt64 = 0) -> ConsumedPages {
        ConsumedPages(capacity: capacity, dataOffset: page, pageSize: page, chunk: chunk, tail: tail)
    }

    @Test func nothingIsReleasedBeforeAChunkHasPassed() {
        var consumed = pages(capacity: 16 * page, chunk: 4 * page)
        #expect(consumed.released(upTo: UInt64(4 * page - 8)).isEmpty)
        #expect(consumed.released(upTo: UInt64(4 * page)) == [page..<(5 * page)])
    }

    @Test func thePageHoldingTheTailIsKeptAndReleasedLater() {
        var consumed = pages(capacity: 16 * page, chunk: page)
        // The tail is 100 bytes into the data area's third page: two whole pages are behind it.
        let tail = UInt64(2 * page + 100)
        #expect(consumed.released(upTo: tail) == [page..<(3 * page)])
        #expect(consumed.from == UInt64(2 * page))
        // Once the tail passes the next boundary, that page goes too, from its start.
        #expect(consumed.released(upTo: UInt64(3 * page)) == [(3 * page)..<(4 * page)])
    }

    @Test func aSpanThatWrapsIsReleasedAsTwoRanges() {
        let capacity = 16 * page
        var consumed = pages(capacity: capacity, chunk: 4 * page, tail: UInt64(14 * page))
        // From data offset 14 pages, 4 pages on: the last two pages of the data area and its first two.
        #expect(consumed.released(upTo: UInt64(18 * page)) == [(15 * page)..<(17 * page), page..<(3 * page)])
    }

    @Test func moreThanALapBehindReleasesTheWholeDataAreaOnce() {
        let capacity = 16 * page
        var consumed = pages(capacity: capacity, chunk: capacity, tail: UInt64(3 * page))
        let ranges = consumed.released(upTo: UInt64(3 * page + 2 * capacity + 8))
        #expect(ranges.reduce(0) { $0 + $1.count } == capacity - page)  // all but the page holding the tail
        #expect(ranges.allSatisfy { $0.lowerBound >= page && $0.upperBound <= page + capacity })
    }

    @Test func theHeaderPageIsNeverReleasedWhenPagesAreLargerThanIt() {
        // 16 KiB pages: the 4096-byte header shares the first page with the data area's start.
        let large = 4 * page
        var consumed = ConsumedPages(capacity: 32 * large, dataOffset: page, pageSize: large, chunk: large, tail: 0)
        let ranges = consumed.released(upTo: UInt64(4 * large))
        #expect(ranges == [large..<(4 * large)])
    }

    @Test func aRingSmallerThanAPageReleasesNothing() {
        var consumed = pages(capacity: 256, chunk: 256)
        for lap in 1...10 { #expect(consumed.released(upTo: UInt64(lap * 256)).isEmpty) }
    }

    /// Random release steps over many laps: every returned range is page-aligned, inside the data
    /// area, wholly behind the tail at that moment (none of its bytes is unreleased), and every
    /// whole data page is released once per lap.
    @Test(arguments: [UInt64(1), 2, 3])
    func randomStepsNeverReleaseAnUnreleasedByte(seed: UInt64) {
        let capacity = 24 * page + 512
        var consumed = pages(capacity: capacity, chunk: 3 * page)
        var rng = SplitMix64(seed: seed)
        var tail: UInt64 = 0
        var releasedBytes = 0
        for _ in 0..<5_000 {
            tail += UInt64(Int.random(in: 1...(2 * page), using: &rng) & ~7)
            let startOffset = Int(tail % UInt64(capacity))
            let ranges = consumed.released(upTo: tail)
            #expect(ranges.count <= 2)
            for range in ranges {
                releasedBytes += range.count
                #expect(range.lowerBound % page == 0 && range.upperBound % page == 0)
                #expect(range.lowerBound >= page && range.upperBound <= page + capacity)
                // The unreleased bytes start at the tail's offset and run (less than a lap) on from it:
                // a released range must not contain that offset's page unless it ends before it.
                let tailMapped = page + startOffset
                #expect(!(range.lowerBound <= tailMapped && tailMapped < range.upperBound))
            }
        }
        // Every lap releases the 24 whole data pages (give or take those the last tail sits in).
        let laps = Int(tail) / capacity
        #expect(releasedBytes >= (laps - 1) * 23 * page)
        #expect(releasedBytes <= (laps + 1) * 24 * page)
    }
}
