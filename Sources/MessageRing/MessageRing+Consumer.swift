import Atomics

extension MessageRing {
    /// The next unread record, or nil when the consumer has caught up with the producer.
    ///
    /// Consumer thread only. Advances the read cursor, not the durable tail: the record stays in
    /// the ring (and is replayed after a crash) until `release(upTo:)` passes its `end`.
    public func next() -> RingRecord? {
        enterConsumer()
        defer { leaveConsumer() }
        var state = consumer.pointee
        if state.position == state.cachedHead {
            state.cachedHead = head.load(ordering: .acquiring)
            if state.position == state.cachedHead {
                consumer.pointee.cachedHead = state.cachedHead
                return nil
            }
        }
        var record = UnsafeRawPointer(data + state.offset)
        var length = record.load(as: UInt32.self)
        if length == RingLayout.wrapMarker {
            state.position &+= UInt64(capacity - state.offset)
            state.offset = 0
            record = UnsafeRawPointer(data)
            length = record.load(as: UInt32.self)
            assert(state.position < state.cachedHead, "wrap marker published without its record")
        }
        let size = Int(length)
        let topicCount = Int(record.load(fromByteOffset: 10, as: UInt16.self))
        let payloadCount = Int(record.load(fromByteOffset: 12, as: UInt32.self))
        let start = RingPosition(bytes: state.position, records: state.records)
        state.offset += size
        if state.offset == capacity { state.offset = 0 }
        state.position &+= UInt64(size)
        state.records &+= 1
        consumer.pointee = state
        let body = record + RingLayout.recordHeaderSize
        return RingRecord(
            kind: record.load(fromByteOffset: 8, as: UInt8.self),
            flags: record.load(fromByteOffset: 9, as: UInt8.self),
            receivedAt: record.load(fromByteOffset: 16, as: Int64.self),
            topic: UnsafeRawBufferPointer(start: body, count: topicCount),
            payload: UnsafeRawBufferPointer(start: body + topicCount, count: payloadCount),
            start: start,
            end: RingPosition(bytes: state.position, records: state.records)
        )
    }

    /// Waits until a record is readable (true), `timeout` passes, or the ring is closed with nothing
    /// unread (false). Consumer thread only; polls with the same spin-then-sleep back-off as `push`,
    /// so it reacts within about 1 ms.
    public func waitForData(timeout: Duration) -> Bool {
        if hasUnread() { return true }
        let deadline = ContinuousClock.now.advanced(by: timeout)
        var backoff = Backoff()
        while true {
            if hasUnread() { return true }
            if closedFlag.load(ordering: .acquiring) { return hasUnread() }
            if ContinuousClock.now >= deadline { return false }
            backoff.pause()
        }
    }

    /// Frees the ring up to `position` (a record's `end`): call only once the readings of every
    /// record before it are committed to PostgreSQL or the spool.
    ///
    /// Consumer thread only. After this the records are gone for good: not replayed after a crash,
    /// and their `topic`/`payload` views may be overwritten. Traps if `position` is behind the
    /// released tail or beyond the read cursor (a programming error).
    ///
    /// Memory: every released megabyte (a sixteenth of a smaller ring), the whole pages behind
    /// `position` leave the process's resident set (`madvise(MADV_DONTNEED)`; see `ConsumedPages`),
    /// before the producer may reuse them. So the ring costs resident memory for its backlog, not for
    /// its capacity; the producer faults pages back in as it refills them.
    public func release(upTo position: RingPosition) {
        enterConsumer()
        defer { leaveConsumer() }
        let released = tail.load(ordering: .relaxed)  // only this thread stores tail
        precondition(
            position.bytes >= released && position.bytes <= consumer.pointee.position,
            "MessageRing.release(upTo: \(position)) outside released \(released)...read \(consumer.pointee.position)")
        guard position.bytes > released else { return }
        for pages in consumedPages.pointee.released(upTo: position.bytes) { mapping.discard(pages) }
        tailRecords.store(position.records, ordering: .relaxed)
        tail.store(position.bytes, ordering: .releasing)
    }

    /// Moves the read cursor back to the released tail, so `next()` delivers again exactly the
    /// unreleased records, in order: what the writer does after a failed write. Consumer thread only.
    public func rewind() {
        enterConsumer()
        defer { leaveConsumer() }
        let released = tail.load(ordering: .relaxed)
        consumer.pointee.position = released
        consumer.pointee.offset = Int(released % UInt64(capacity))
        consumer.pointee.records = tailRecords.load(ordering: .relaxed)
    }

    /// Where the read cursor is: the `end` of the last record returned by `next()`. Consumer thread only.
    public var readPosition: RingPosition {
        RingPosition(bytes: consumer.pointee.position, records: consumer.pointee.records)
    }

    /// Bytes produced and not yet read by `next()`. Consumer thread only.
    public var unreadBytes: Int {
        Int(head.load(ordering: .acquiring) &- consumer.pointee.position)
    }

    // MARK: Internals

    @inline(__always)
    private func hasUnread() -> Bool {
        let state = consumer
        if state.pointee.position != state.pointee.cachedHead { return true }
        state.pointee.cachedHead = head.load(ordering: .acquiring)
        return state.pointee.position != state.pointee.cachedHead
    }

    /// Traps when two threads consume at once, like swift-atomics' LockFreeSingleConsumerStack test.
    @inline(__always)
    private func enterConsumer() {
        precondition(
            !consumerBusy.exchange(true, ordering: .acquiring),
            "MessageRing: concurrent consumer calls from two threads; the ring has a single consumer")
    }

    @inline(__always)
    private func leaveConsumer() {
        consumerBusy.store(false, ordering: .releasing)
    }
}
