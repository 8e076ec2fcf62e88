import Foundation
import MessageRing

/// Deterministic pseudo-random numbers, so a failing stress or wrap test replays the same sequence.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A numbered message whose every byte is derived from its number, so loss, doubling, reordering
/// and corruption are all visible to `check`.
struct NumberedMessage: Equatable {
    var sequence: UInt64
    var topicCount: Int
    var payloadCount: Int  // at least 8: the sequence number leads the payload

    var topic: [UInt8] { (0..<topicCount).map { UInt8(ascii: "a") &+ UInt8(truncatingIfNeeded: (Int(sequence) &+ $0) % 26) } }
    var payload: [UInt8] {
        withUnsafeBytes(of: sequence.littleEndian) { Array($0) }
            + (8..<payloadCount).map { UInt8(truncatingIfNeeded: sequence &* 31 &+ UInt64($0)) }
    }
    var kind: UInt8 { UInt8(truncatingIfNeeded: sequence % 7) }
    var flags: UInt8 { UInt8(truncatingIfNeeded: sequence % 3) }
    var receivedAt: Int64 { 1_700_000_000_000_000 + Int64(sequence) }

    static func random(_ sequence: UInt64, maxBody: Int, using rng: inout SplitMix64) -> NumberedMessage {
        let topicCount = Int.random(in: 0...min(40, maxBody - 8), using: &rng)
        let payloadCount = Int.random(in: 8...(maxBody - topicCount), using: &rng)
        return NumberedMessage(sequence: sequence, topicCount: topicCount, payloadCount: payloadCount)
    }

    @discardableResult
    func push(into ring: MessageRing) throws -> PushOutcome {
        try ring.push(kind: kind, flags: flags, receivedAt: receivedAt, topic: topic, payload: payload)
    }

    func tryPush(into ring: MessageRing) throws -> Bool {
        try ring.tryPush(kind: kind, flags: flags, receivedAt: receivedAt, topic: topic, payload: payload)
    }

    /// The sequence number in a record's payload (its first 8 bytes).
    static func sequence(of record: RingRecord) -> UInt64 {
        UInt64(littleEndian: record.payload.loadUnaligned(as: UInt64.self))
    }

    /// True when the record carries exactly this message.
    func matches(_ record: RingRecord) -> Bool {
        record.kind == kind && record.flags == flags && record.receivedAt == receivedAt
            && Array(record.topic) == topic && Array(record.payload) == payload
    }

    /// Checks a record against the message its own sequence number names; the topic count is
    /// recovered from the record, so the consumer needs no copy of what the producer chose.
    static func isIntact(_ record: RingRecord) -> Bool {
        guard record.payload.count >= 8 else { return false }
        let expected = NumberedMessage(
            sequence: sequence(of: record), topicCount: record.topic.count, payloadCount: record.payload.count)
        return expected.matches(record)
    }
}

/// A fresh directory under the system temp dir, removed by `cleanup()`.
struct TemporaryDirectory {
    let path: String
    init() throws {
        path = NSTemporaryDirectory() + "message-ring-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    func file(_ name: String) -> String { path + "/" + name }
    func cleanup() { try? FileManager.default.removeItem(atPath: path) }
}

/// Runs `body` on a new thread; `wait(timeout:)` joins it with a deadline so a hang fails instead of blocking.
final class TestThread: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    init(_ body: @escaping @Sendable () -> Void) {
        let done = self.done
        Thread.detachNewThread {
            body()
            done.signal()
        }
    }
    func wait(timeout: Double) -> Bool { done.wait(timeout: .now() + timeout) == .success }
}

/// A value written by one thread and read by another in tests.
final class Box<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}

/// Polls `condition` until it holds or `seconds` pass; returns whether it held.
func eventually(within seconds: Double, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        usleep(1_000)
    }
    return condition()
}
