/// A point in the ring's history: bytes and records produced before it, both monotonic.
///
/// Positions never repeat over a file's life (64-bit counters), so a stale position can be
/// recognised; `records` doubles as a sequence number for the record that starts here.
public struct RingPosition: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Bytes before this point, counting wrap padding.
    public var bytes: UInt64
    /// Records before this point.
    public var records: UInt64

    public init(bytes: UInt64, records: UInt64) {
        self.bytes = bytes
        self.records = records
    }

    public static func < (lhs: RingPosition, rhs: RingPosition) -> Bool { lhs.bytes < rhs.bytes }

    public var description: String { "\(records)@\(bytes)" }
}

/// One message as the consumer sees it: a view into the ring, valid until released past it.
///
/// `topic` and `payload` point into the mapping. The producer cannot overwrite them until the
/// consumer calls `release(upTo:)` with a position at or after `end`; `rewind()` does not
/// invalidate them. Copy what must outlive the release.
public struct RingRecord {
    /// Caller-defined message kind (e.g. telemetry, status, heartbeat), stored as given.
    public let kind: UInt8
    /// Caller-defined flags, stored as given.
    public let flags: UInt8
    /// When the message arrived, in microseconds since the Unix epoch.
    public let receivedAt: Int64
    public let topic: UnsafeRawBufferPointer
    public let payload: UnsafeRawBufferPointer
    /// Where this record starts; `start.records` is its sequence number over the file's life.
    public let start: RingPosition
    /// Where the next record starts: pass it to `release(upTo:)` once this one is durable elsewhere.
    public let end: RingPosition

    /// The topic decoded as UTF-8 (MQTT topics are UTF-8); allocates.
    public var topicString: String { String(decoding: topic, as: UTF8.self) }
}

/// What a blocking `push` did.
public enum PushOutcome: Sendable, Hashable {
    /// Stored at once.
    case written
    /// Stored after waiting for the consumer to release space: count it as back-pressure.
    case writtenAfterWaiting
    /// Not stored: the ring was full and `close()` was called while waiting. The caller must
    /// treat the message as not accepted.
    case closed
}

/// What opening a ring found; the caller logs it (this module has no logger).
public struct RingOpenReport: Sendable, Hashable {
    /// How the configured capacity and the file's were reconciled.
    public enum CapacityChange: Sendable, Hashable {
        /// The file held no pending records, so it was resized to the configured capacity.
        case resized(from: Int, to: Int)
        /// The file held pending records, so its own capacity was kept; the configured one takes
        /// effect at a later start when the ring is empty.
        case keptFileCapacity(file: Int, configured: Int)
    }

    /// The file was created (or was empty/zeroed) rather than reopened.
    public var created: Bool
    /// Records between the stored tail and head, delivered again to the consumer.
    public var replayedRecords: Int
    public var replayedBytes: Int
    /// Bytes after the last intact record that were dropped: only a power cut (pages not written
    /// back before it) leaves such a tail; process death (SIGKILL) never does.
    public var discardedBytes: Int
    public var capacityChange: CapacityChange?

    public init(
        created: Bool = false, replayedRecords: Int = 0, replayedBytes: Int = 0, discardedBytes: Int = 0,
        capacityChange: CapacityChange? = nil
    ) {
        self.created = created
        self.replayedRecords = replayedRecords
        self.replayedBytes = replayedBytes
        self.discardedBytes = discardedBytes
        self.capacityChange = capacityChange
    }
}
