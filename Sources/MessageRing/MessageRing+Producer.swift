import Atomics

extension MessageRing {
    /// Stores one message, waiting while the ring is full; never drops.
    ///
    /// Call from the producer thread only (libmosquitto's `on_message`). When the ring is full it
    /// spins briefly, then sleeps in steps up to 1 ms until the consumer releases space: the
    /// MQTT loop stalls, PUBACKs stop and the broker holds further messages (back-pressure).
    /// Returns `.writtenAfterWaiting` when it had to wait, and `.closed` (nothing stored) only if
    /// `close()` is called while it waits. Throws `.recordTooLarge` when the record exceeds
    /// `maxRecordSize` (callers reject oversized payloads before this).
    ///
    /// When this returns `.written`/`.writtenAfterWaiting` the message is in the mapping and
    /// survives SIGKILL of this process.
    @discardableResult
    public func push(
        kind: UInt8, flags: UInt8 = 0, receivedAt: Int64,
        topic: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer
    ) throws(RingError) -> PushOutcome {
        let size = try checkedRecordSize(topicCount: topic.count, payloadCount: payload.count)
        enterProducer()
        defer { leaveProducer() }
        if reserve(size) {
            write(size: size, kind: kind, flags: flags, receivedAt: receivedAt, topic: topic, payload: payload)
            return .written
        }
        var backoff = Backoff()
        while true {
            if closedFlag.load(ordering: .relaxed) { return .closed }
            backoff.pause()
            if reserve(size) {
                write(size: size, kind: kind, flags: flags, receivedAt: receivedAt, topic: topic, payload: payload)
                return .writtenAfterWaiting
            }
        }
    }

    /// Stores one message if there is space now; false when full or (full and) closed. Producer thread only.
    @discardableResult
    public func tryPush(
        kind: UInt8, flags: UInt8 = 0, receivedAt: Int64,
        topic: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer
    ) throws(RingError) -> Bool {
        let size = try checkedRecordSize(topicCount: topic.count, payloadCount: payload.count)
        enterProducer()
        defer { leaveProducer() }
        guard reserve(size) else { return false }
        write(size: size, kind: kind, flags: flags, receivedAt: receivedAt, topic: topic, payload: payload)
        return true
    }

    /// `push` for byte collections (e.g. `topic.utf8`, `[UInt8]`); contiguous ones are not copied.
    @discardableResult
    public func push<Topic: Collection<UInt8>, Payload: Collection<UInt8>>(
        kind: UInt8, flags: UInt8 = 0, receivedAt: Int64, topic: Topic, payload: Payload
    ) throws(RingError) -> PushOutcome {
        try withRawBytes(topic, payload) { (t, p) throws(RingError) in
            try push(kind: kind, flags: flags, receivedAt: receivedAt, topic: t, payload: p)
        }
    }

    /// `tryPush` for byte collections.
    @discardableResult
    public func tryPush<Topic: Collection<UInt8>, Payload: Collection<UInt8>>(
        kind: UInt8, flags: UInt8 = 0, receivedAt: Int64, topic: Topic, payload: Payload
    ) throws(RingError) -> Bool {
        try withRawBytes(topic, payload) { (t, p) throws(RingError) in
            try tryPush(kind: kind, flags: flags, receivedAt: receivedAt, topic: t, payload: p)
        }
    }

    // MARK: Internals

    private func withRawBytes<Topic: Collection<UInt8>, Payload: Collection<UInt8>, R>(
        _ topic: Topic, _ payload: Payload,
        _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws(RingError) -> R
    ) throws(RingError) -> R {
        let result: Result<R, RingError>? = topic.withContiguousStorageIfAvailable { t in
            payload.withContiguousStorageIfAvailable { p in
                Result { () throws(RingError) in try body(UnsafeRawBufferPointer(t), UnsafeRawBufferPointer(p)) }
            }
        } ?? nil
        if let result { return try result.get() }
        let topicBytes = Array(topic)
        let payloadBytes = Array(payload)
        return try topicBytes.withUnsafeBytes { t in
            payloadBytes.withUnsafeBytes { p in Result { () throws(RingError) in try body(t, p) } }
        }.get()
    }

    @inline(__always)
    private func checkedRecordSize(topicCount: Int, payloadCount: Int) throws(RingError) -> Int {
        let size = Self.recordSize(topicCount: topicCount, payloadCount: payloadCount)
        guard size <= maxRecordSize, topicCount <= Int(UInt16.max) else {
            throw RingError(
                code: .recordTooLarge, path: path,
                detail: "record of \(size) bytes (topic \(topicCount), payload \(payloadCount)) exceeds the maximum \(maxRecordSize) of a \(capacity)-byte ring")
        }
        return size
    }

    /// Traps when two threads produce at once: the ring's correctness rests on a single producer.
    @inline(__always)
    private func enterProducer() {
        precondition(
            !producerBusy.exchange(true, ordering: .acquiring),
            "MessageRing: concurrent push from two threads; the ring has a single producer")
    }

    @inline(__always)
    private func leaveProducer() {
        producerBusy.store(false, ordering: .releasing)
    }

    /// Whether `size` bytes (plus the wasted end of the data area if the record must wrap) are free;
    /// reloads the consumer's tail only when the cached one says no.
    @inline(__always)
    private func reserve(_ size: Int) -> Bool {
        let state = producer
        let remaining = capacity - state.pointee.offset
        let needed = remaining < size ? remaining + size : size
        if capacity - Int(state.pointee.position &- state.pointee.cachedTail) >= needed { return true }
        state.pointee.cachedTail = tail.load(ordering: .acquiring)
        return capacity - Int(state.pointee.position &- state.pointee.cachedTail) >= needed
    }

    /// Writes the record (after a wrap marker if it does not fit before the end), then publishes head.
    @inline(__always)
    private func write(
        size: Int, kind: UInt8, flags: UInt8, receivedAt: Int64,
        topic: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer
    ) {
        var state = producer.pointee
        if capacity - state.offset < size {
            let marker = data + state.offset
            marker.storeBytes(of: RingLayout.wrapMarker, as: UInt32.self)
            marker.storeBytes(of: UInt32(truncatingIfNeeded: state.position), toByteOffset: 4, as: UInt32.self)
            state.position &+= UInt64(capacity - state.offset)
            state.offset = 0
        }
        let record = data + state.offset
        // Zero the last word first: it holds the body's padding, which the checksum covers.
        record.storeBytes(of: UInt64(0), toByteOffset: size - 8, as: UInt64.self)
        record.storeBytes(of: UInt32(size), as: UInt32.self)
        record.storeBytes(of: UInt32(truncatingIfNeeded: state.position), toByteOffset: 4, as: UInt32.self)
        record.storeBytes(of: kind, toByteOffset: 8, as: UInt8.self)
        record.storeBytes(of: flags, toByteOffset: 9, as: UInt8.self)
        record.storeBytes(of: UInt16(topic.count), toByteOffset: 10, as: UInt16.self)
        record.storeBytes(of: UInt32(payload.count), toByteOffset: 12, as: UInt32.self)
        record.storeBytes(of: receivedAt, toByteOffset: 16, as: Int64.self)
        let body = record + RingLayout.recordHeaderSize
        if let source = topic.baseAddress, topic.count > 0 {
            body.copyMemory(from: source, byteCount: topic.count)
        }
        if let source = payload.baseAddress, payload.count > 0 {
            (body + topic.count).copyMemory(from: source, byteCount: payload.count)
        }
        let checksum = RingLayout.checksum(record: UnsafeRawPointer(record), length: size)
        record.storeBytes(of: checksum, toByteOffset: 24, as: UInt32.self)
        record.storeBytes(of: UInt32(0), toByteOffset: 28, as: UInt32.self)

        state.offset += size
        if state.offset == capacity { state.offset = 0 }
        state.position &+= UInt64(size)
        state.records &+= 1
        producer.pointee = state
        headRecords.store(state.records, ordering: .relaxed)
        head.store(state.position, ordering: .releasing)
    }
}
