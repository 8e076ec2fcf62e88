// mash-bench ring: MessageRing throughput between two threads and the cost of sync().
import Foundation
import MessageRing

/// `mash-bench ring [--records N] [--capacity BYTES] [--dir PATH]`
///
/// Prints, for ~120-byte payloads under a 27-byte topic: records/s and ns/record producer→consumer
/// across two threads (anonymous memory and a file mapping), the one-thread push+next+release cost,
/// and the time of one `sync()` (msync MS_SYNC) at several dirty sizes.
func runRingBenchmark(_ args: [String]) throws {
    var records = 5_000_000
    var capacity = 64 << 20
    var dir = NSTemporaryDirectory()
    var index = 0
    while index < args.count {
        let value = index + 1 < args.count ? args[index + 1] : ""
        switch args[index] {
        case "--records": records = Int(value) ?? records
        case "--capacity": capacity = Int(value) ?? capacity
        case "--dir": dir = value
        default: throw BenchmarkUsage("unknown option \(args[index]); options: --records N --capacity BYTES --dir PATH")
        }
        index += 2
    }
    let topic = Array("devices/dev-00042/telemetry".utf8)
    let payload = Array(#"{"ts":1732500000123,"temperature":21.53,"humidity":40.20,"pressure":1013.2,"battery":3.71,"rssi":-67}     "#.utf8.prefix(120))
    print("ring: \(records) records, payload \(payload.count) B, topic \(topic.count) B, record \(MessageRing.recordSize(topicCount: topic.count, payloadCount: payload.count)) B, capacity \(capacity >> 20) MiB")

    try twoThreads("anonymous", ring: MessageRing(capacity: capacity), records: records, topic: topic, payload: payload)
    let path = dir + "/mash-bench-ring-\(getpid())"
    defer { unlink(path) }
    unlink(path)
    do {
        let ring = try MessageRing(path: path, capacity: capacity)
        try twoThreads("file", ring: ring, records: records, topic: topic, payload: payload)
    }
    unlink(path)
    do {
        let small = try MessageRing(capacity: 64 << 10)
        try twoThreads("anonymous 64 KiB (producer waits)", ring: small, records: records / 5, topic: topic, payload: payload)
    }
    try oneThread(ring: MessageRing(capacity: capacity), records: records, topic: topic, payload: payload)
    try syncCost(path: path, capacity: capacity, topic: topic, payload: payload)
}

struct BenchmarkUsage: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A producer thread pushes `records`; this thread consumes and releases every 256 records (the
/// writer releases per committed batch).
private func twoThreads(_ label: String, ring: MessageRing, records: Int, topic: [UInt8], payload: [UInt8]) throws {
    let done = DispatchSemaphore(value: 0)
    let waits = WaitCounter()
    let start = ContinuousClock.now
    Thread.detachNewThread {
        topic.withUnsafeBytes { t in
            payload.withUnsafeBytes { p in
                var waited = 0
                for i in 0..<records {
                    if (try? ring.push(kind: 1, flags: 0, receivedAt: Int64(i), topic: t, payload: p)) == .writtenAfterWaiting {
                        waited += 1
                    }
                }
                waits.value = waited
            }
        }
        done.signal()
    }
    var consumed = 0
    var checksum = 0
    var sinceRelease = 0
    while consumed < records {
        guard ring.waitForData(timeout: .seconds(5)) else { throw BenchmarkUsage("consumer stalled at \(consumed)") }
        while let record = ring.next() {
            checksum &+= Int(record.payload[0]) &+ record.topic.count
            consumed += 1
            sinceRelease += 1
            if sinceRelease == 256 {
                ring.release(upTo: record.end)
                sinceRelease = 0
            }
        }
        if sinceRelease > 0 { ring.release(upTo: ring.readPosition); sinceRelease = 0 }
    }
    done.wait()
    let elapsed = ContinuousClock.now - start
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    print(String(format: "  two threads, %@: %.2f M records/s, %.1f ns/record, producer waited %d times (checksum %d)",
                 label, Double(records) / seconds / 1e6, seconds * 1e9 / Double(records), waits.value, checksum & 0xff))
}

/// push + next + release on one thread: the per-record cost without cross-core cache traffic.
private func oneThread(ring: MessageRing, records: Int, topic: [UInt8], payload: [UInt8]) throws {
    let start = ContinuousClock.now
    try topic.withUnsafeBytes { t in
        try payload.withUnsafeBytes { p in
            for i in 0..<records {
                try ring.push(kind: 1, flags: 0, receivedAt: Int64(i), topic: t, payload: p)
                if let record = ring.next() { ring.release(upTo: record.end) }
            }
        }
    }
    let elapsed = ContinuousClock.now - start
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    print(String(format: "  one thread push+next+release: %.1f ns/record", seconds * 1e9 / Double(records)))
}

/// sync() after pushing `dirty` bytes; the median of several rounds, to the disk under `path`.
private func syncCost(path: String, capacity: Int, topic: [UInt8], payload: [UInt8]) throws {
    let ring = try MessageRing(path: path, capacity: capacity)
    defer { unlink(path) }
    let recordSize = MessageRing.recordSize(topicCount: topic.count, payloadCount: payload.count)
    try ring.sync()
    print("  sync() (msync MS_SYNC) of a file ring under \((path as NSString).deletingLastPathComponent):")
    for dirty in [0, 4 << 10, 64 << 10, 1 << 20, 8 << 20] {
        var times: [Duration] = []
        for _ in 0..<9 {
            try topic.withUnsafeBytes { t in
                try payload.withUnsafeBytes { p in
                    for _ in 0..<(dirty / recordSize) {
                        try ring.push(kind: 1, flags: 0, receivedAt: 0, topic: t, payload: p)
                    }
                }
            }
            while let record = ring.next() { ring.release(upTo: record.end) }
            let start = ContinuousClock.now
            try ring.sync()
            times.append(ContinuousClock.now - start)
        }
        times.sort()
        let median = times[times.count / 2]
        let micros = Double(median.components.seconds) * 1e6 + Double(median.components.attoseconds) / 1e12
        let records = dirty / recordSize
        print(String(format: "    dirty %6d KiB (%6d records): %9.1f µs per sync%@", dirty >> 10, records, micros,
                     records > 0 ? String(format: ", %.2f µs per record", micros / Double(records)) : " (header page only)"))
    }
}

private final class WaitCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var stored = 0
    var value: Int {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
