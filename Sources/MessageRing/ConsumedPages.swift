/// Which whole pages of a ring's mapping lie behind the consumer's released tail, so that they
/// can be handed back to the kernel (`madvise(MADV_DONTNEED)`): the ring then keeps in the
/// process's resident set only the pages between the tail and the head, not every page it ever
/// touched.
///
/// A value that takes the released tail and returns mapping ranges; it does no I/O. Releasing is
/// batched: nothing is returned until at least `chunk` bytes were released since the last time,
/// so the cost is one system call per chunk. A page that still holds unreleased bytes (the one
/// with the tail in it) is never returned; it is returned by a later call, once the tail has
/// passed it.
///
/// Safe against the producer: over a `MAP_SHARED` mapping, `MADV_DONTNEED` only drops the
/// process's page-table entries; the data stays in the page cache (file) or shared memory
/// (anonymous) and is faulted back in on the next access, so even a page the producer is
/// already refilling keeps what it wrote.
struct ConsumedPages: Sendable, Equatable {
    /// Bytes in the ring's data area.
    let capacity: Int
    /// Where the data area starts in the mapping (the header page's size).
    let dataOffset: Int
    let pageSize: Int
    /// Released bytes that make one batch.
    let chunk: Int
    /// The position from which pages are still to be returned: the start of the page the last
    /// call's tail was in (never beyond the tail, so that page is returned later).
    private(set) var from: UInt64

    /// - Parameters:
    ///   - tail: the released tail when the ring was opened; nothing behind it was touched since.
    ///   - chunk: at least one page; at most the capacity.
    init(capacity: Int, dataOffset: Int, pageSize: Int, chunk: Int, tail: UInt64) {
        precondition(capacity > 0 && pageSize > 0 && dataOffset >= 0, "ConsumedPages: bad geometry")
        self.capacity = capacity
        self.dataOffset = dataOffset
        self.pageSize = pageSize
        self.chunk = min(max(chunk, pageSize), capacity)
        from = tail
        from = pageStart(of: tail)
    }

    /// The default batch for a ring of `capacity` bytes: a sixteenth of it, between one page and 1 MiB.
    static func defaultChunk(capacity: Int, pageSize: Int) -> Int {
        min(max(capacity / 16, pageSize), 1 << 20)
    }

    /// The page-aligned mapping ranges (offsets into the mapping) now wholly behind `tail`, at
    /// most two (the released span may wrap); empty until a chunk has been released.
    mutating func released(upTo tail: UInt64) -> [Range<Int>] {
        guard tail > from, tail - from >= UInt64(chunk) else { return [] }
        // More than a lap behind is the whole data area once.
        let start = max(from, tail - min(tail, UInt64(capacity)))
        let length = Int(tail - start)
        let startOffset = Int(start % UInt64(capacity))
        var ranges: [Range<Int>] = []
        let firstEnd = min(capacity, startOffset + length)
        appendWholePages(startOffset..<firstEnd, to: &ranges)
        if startOffset + length > capacity {
            appendWholePages(0..<(startOffset + length - capacity), to: &ranges)
        }
        from = pageStart(of: tail)
        return ranges
    }

    /// The pages wholly inside `dataRange` (offsets into the data area), as mapping offsets.
    private func appendWholePages(_ dataRange: Range<Int>, to ranges: inout [Range<Int>]) {
        let lower = (dataOffset + dataRange.lowerBound + pageSize - 1) / pageSize * pageSize
        let upper = (dataOffset + dataRange.upperBound) / pageSize * pageSize
        if upper > lower { ranges.append(lower..<upper) }
    }

    /// The position of the start of the page holding `position`, not before the data area's start in that lap.
    private func pageStart(of position: UInt64) -> UInt64 {
        let offset = Int(position % UInt64(capacity))
        let intoPage = min((dataOffset + offset) % pageSize, offset)
        return position - UInt64(intoPage)
    }
}
