import Atomics
import Synchronization

/// A lock-free single-producer / single-consumer ring of raw MQTT messages in shared memory.
///
/// The producer is libmosquitto's loop thread: libmosquitto sends a QoS 1 PUBACK right after
/// `on_message` returns and has no manual ack, so a message must be safe from process death
/// before then. Over a file the ring is a `MAP_SHARED` mapping: a pushed record is in the page
/// cache, which survives SIGKILL, and is replayed at the next open. The consumer (the ingest
/// writer) releases records only after their readings are committed to PostgreSQL or the spool,
/// so nothing released is needed again and nothing unreleased is lost.
///
/// Threads: exactly one thread at a time may call the producer methods (`push`, `tryPush`) and
/// one the consumer methods (`next`, `waitForData`, `release(upTo:)`, `rewind()`,
/// `unreadBytes`); overlapping calls on one side trap. `close()`, `sync()` and the counters are
/// safe from any thread.
///
/// Memory order: the producer writes a record's bytes, then publishes `head` with `.releasing`;
/// the consumer loads `head` with `.acquiring` before reading them. Mirrored for space: the
/// consumer publishes `tail` with `.releasing` after it is done with the bytes, the producer loads
/// it with `.acquiring` before overwriting them. A record is therefore never seen half-written.
///
/// Durability: SIGKILL loses nothing pushed. A power cut loses what was pushed since the last
/// completed `sync()`, and a record whose pages were not written back is detected by its
/// checksum at open and dropped with everything after it (`openReport.discardedBytes`).
/// Delivery is at-least-once: records committed by the writer but not yet released when the
/// process dies are delivered again.
public final class MessageRing: @unchecked Sendable {
    /// Bytes in the data area (the file may be larger by the 4096-byte header page).
    public let capacity: Int
    /// The largest record `push` accepts, header included; see `recordSize(topicCount:payloadCount:)`.
    public let maxRecordSize: Int
    /// The backing file, or nil for an anonymous ring.
    public let path: String?
    /// What opening found: creation, replayed records, dropped torn bytes, capacity decisions.
    public let openReport: RingOpenReport

    let mapping: RingMapping
    let data: UnsafeMutableRawPointer
    let head: UnsafeAtomic<UInt64>
    let headRecords: UnsafeAtomic<UInt64>
    let tail: UnsafeAtomic<UInt64>
    let tailRecords: UnsafeAtomic<UInt64>

    /// Process-local state, one 128-byte block per role so neither side's stores invalidate the
    /// other's cache lines: [closed flag][producer state, busy flag][consumer state, busy flag].
    private let local: UnsafeMutableRawPointer
    let producer: UnsafeMutablePointer<ProducerState>
    let consumer: UnsafeMutablePointer<ConsumerState>
    let producerBusy: UnsafeAtomic<Bool>
    let consumerBusy: UnsafeAtomic<Bool>
    let closedFlag: UnsafeAtomic<Bool>
    /// The head position covered by the last completed `sync()`; the lock serialises syncs.
    let syncedHead: Mutex<UInt64>
    /// Consumer-side: the pages behind the tail still to be handed back to the kernel (see `release(upTo:)`).
    let consumedPages: UnsafeMutablePointer<ConsumedPages>

    struct ProducerState {
        /// Where the next record goes; equals the published head.
        var position: UInt64
        var offset: Int
        var cachedTail: UInt64
        var records: UInt64
    }

    struct ConsumerState {
        /// The read cursor; at or after the released tail, at or before head.
        var position: UInt64
        var offset: Int
        var cachedHead: UInt64
        var records: UInt64
    }

    /// A ring over anonymous shared memory: same code paths as a file, nothing survives the process.
    public convenience init(capacity: Int) throws(RingError) {
        try RingLayout.validate(capacity: capacity, path: nil)
        let mapping = try RingMapping(file: nil, size: RingLayout.headerSize + capacity)
        Self.writeFreshHeader(mapping.base, capacity: capacity)
        self.init(mapping: mapping, capacity: capacity, report: RingOpenReport(created: true))
    }

    /// Opens the ring file at `path`, creating it when absent, and prepares replay of every record
    /// between the stored tail and head.
    ///
    /// Capacity: a new file gets `capacity`. An existing file with a different capacity is resized
    /// when it holds no pending records; otherwise its own capacity is kept (reported in
    /// `openReport.capacityChange`) so that nothing pending is lost, and the configured one takes
    /// effect at a later start. Throws `RingError` naming the file for a file that is not a ring
    /// (`.badMagic`), of another layout version, with contradictory header fields, or locked by
    /// another process.
    public convenience init(path: String, capacity: Int) throws(RingError) {
        let (mapping, fileCapacity, report) = try Self.openFile(path: path, capacity: capacity)
        self.init(mapping: mapping, capacity: fileCapacity, report: report)
    }

    private init(mapping: RingMapping, capacity: Int, report: RingOpenReport) {
        self.mapping = mapping
        self.capacity = capacity
        self.maxRecordSize = RingLayout.maxRecordSize(capacity: capacity)
        self.path = mapping.file?.path
        let base = mapping.base
        self.data = base + RingLayout.headerSize
        func atomic(_ offset: Int) -> UnsafeAtomic<UInt64> {
            UnsafeAtomic(at: (base + offset).assumingMemoryBound(to: UInt64.AtomicRepresentation.self))
        }
        head = atomic(RingLayout.headOffset)
        headRecords = atomic(RingLayout.headRecordsOffset)
        tail = atomic(RingLayout.tailOffset)
        tailRecords = atomic(RingLayout.tailRecordsOffset)

        local = UnsafeMutableRawPointer.allocate(byteCount: 384, alignment: 128)
        local.initializeMemory(as: UInt8.self, repeating: 0, count: 384)
        closedFlag = UnsafeAtomic(at: local.bindMemory(to: Bool.AtomicRepresentation.self, capacity: 1))
        producer = (local + 128).bindMemory(to: ProducerState.self, capacity: 1)
        producerBusy = UnsafeAtomic(at: (local + 192).bindMemory(to: Bool.AtomicRepresentation.self, capacity: 1))
        consumer = (local + 256).bindMemory(to: ConsumerState.self, capacity: 1)
        consumerBusy = UnsafeAtomic(at: (local + 320).bindMemory(to: Bool.AtomicRepresentation.self, capacity: 1))

        let tailPosition = tail.load(ordering: .acquiring)
        let headPosition = head.load(ordering: .acquiring)
        let releasedRecords = tailRecords.load(ordering: .relaxed)
        let (replayed, validEnd) = Self.scan(
            data: UnsafeRawPointer(data), capacity: capacity, from: tailPosition, to: headPosition)
        var report = report
        report.replayedRecords = Int(replayed)
        report.replayedBytes = Int(validEnd - tailPosition)
        report.discardedBytes = Int(headPosition - validEnd)
        headRecords.store(releasedRecords + replayed, ordering: .relaxed)
        head.store(validEnd, ordering: .releasing)
        openReport = report

        let capacity64 = UInt64(capacity)
        producer.initialize(to: ProducerState(
            position: validEnd, offset: Int(validEnd % capacity64), cachedTail: tailPosition,
            records: releasedRecords + replayed))
        consumer.initialize(to: ConsumerState(
            position: tailPosition, offset: Int(tailPosition % capacity64), cachedHead: validEnd,
            records: releasedRecords))
        syncedHead = Mutex(validEnd)
        consumedPages = UnsafeMutablePointer.allocate(capacity: 1)
        consumedPages.initialize(to: ConsumedPages(
            capacity: capacity, dataOffset: RingLayout.headerSize, pageSize: RingMapping.pageSize,
            chunk: ConsumedPages.defaultChunk(capacity: capacity, pageSize: RingMapping.pageSize), tail: tailPosition))
    }

    deinit {
        local.deallocate()
        consumedPages.deallocate()
    }

    static func writeFreshHeader(_ base: UnsafeMutableRawPointer, capacity: Int) {
        base.storeBytes(of: RingLayout.version, toByteOffset: RingLayout.versionOffset, as: UInt32.self)
        base.storeBytes(of: UInt32(RingLayout.headerSize), toByteOffset: RingLayout.headerSizeOffset, as: UInt32.self)
        base.storeBytes(of: UInt64(capacity), toByteOffset: RingLayout.capacityOffset, as: UInt64.self)
        for offset in [RingLayout.headOffset, RingLayout.headRecordsOffset, RingLayout.tailOffset, RingLayout.tailRecordsOffset] {
            base.storeBytes(of: UInt64(0), toByteOffset: offset, as: UInt64.self)
        }
        // Magic last: a file whose creation was interrupted has magic 0 and is created afresh.
        base.storeBytes(of: RingLayout.magic, toByteOffset: RingLayout.magicOffset, as: UInt64.self)
    }

    // MARK: Any thread

    /// Lets a producer waiting for space give up (`push` returns `.closed`) and an idle consumer's
    /// `waitForData` return at once; pushes that find space still succeed. Irreversible.
    public func close() {
        closedFlag.store(true, ordering: .releasing)
    }

    public var isClosed: Bool { closedFlag.load(ordering: .acquiring) }

    /// Bytes produced and not yet released (records, wrap padding); approximate while both sides run.
    public var usedBytes: Int {
        let released = tail.load(ordering: .acquiring)
        return Int(head.load(ordering: .acquiring) &- released)
    }

    /// Records produced and not yet released; approximate while both sides run.
    public var pendingRecords: Int {
        let released = tailRecords.load(ordering: .acquiring)
        return Int(headRecords.load(ordering: .acquiring) &- released)
    }

    /// Everything produced so far (the head).
    public var producedPosition: RingPosition {
        let bytes = head.load(ordering: .acquiring)
        return RingPosition(bytes: bytes, records: headRecords.load(ordering: .relaxed))
    }

    /// Everything released so far (the durable tail).
    public var releasedPosition: RingPosition {
        let bytes = tail.load(ordering: .acquiring)
        return RingPosition(bytes: bytes, records: tailRecords.load(ordering: .relaxed))
    }

    /// The ring size of one record; a push is accepted when this is at most `maxRecordSize`.
    public static func recordSize(topicCount: Int, payloadCount: Int) -> Int {
        RingLayout.align8(RingLayout.recordHeaderSize + topicCount + payloadCount)
    }

    /// The smallest capacity whose `maxRecordSize` takes a payload of `maxPayloadBytes` under a
    /// topic of `maxTopicBytes`: what configuration validation checks `ring capacity` against.
    public static func minimumCapacity(maxPayloadBytes: Int, maxTopicBytes: Int = 65_535) -> Int {
        max(RingLayout.minimumCapacity, 4 * recordSize(topicCount: maxTopicBytes, payloadCount: maxPayloadBytes))
    }

    /// Writes the records pushed since the last `sync()` and the header page to the file and waits
    /// (`msync(MS_SYNC)`): after it returns they survive a power cut. No-op for an anonymous ring.
    ///
    /// Any thread; concurrent calls are serialised. Only the pages written since the last sync are
    /// flushed (the whole data area if the producer has gone round since then).
    public func sync() throws(RingError) {
        guard mapping.file != nil else { return }
        let capacity64 = UInt64(capacity)
        let mapping = self.mapping
        let headPosition = head.load(ordering: .acquiring)
        let headerSize = RingLayout.headerSize
        let capacity = self.capacity
        try syncedHead.withLock { (synced: inout UInt64) throws(RingError) in
            if headPosition > synced {
                if headPosition - synced >= capacity64 {
                    try mapping.sync(offset: headerSize, length: capacity)
                } else {
                    let from = Int(synced % capacity64)
                    let to = Int(headPosition % capacity64)
                    if from < to {
                        try mapping.sync(offset: headerSize + from, length: to - from)
                    } else {
                        try mapping.sync(offset: headerSize + from, length: capacity - from)
                        try mapping.sync(offset: headerSize, length: to)
                    }
                }
            }
            try mapping.sync(offset: 0, length: headerSize)
            synced = max(synced, headPosition)
        }
    }
}
