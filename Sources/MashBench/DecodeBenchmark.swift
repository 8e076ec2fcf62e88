// `mash-bench decode`: cost of decoding telemetry, Telemetry's scanner vs Foundation.
//
// Allocation counts need a malloc counter, which Swift cannot interpose by itself (the executable
// does not export symbols). Build this 20-line shim once and preload it; the benchmark finds its
// `mash_alloc_count` through dlsym and otherwise prints "n/a":
//
//   /* malloc_count.c — cc -O2 -shared -fPIC -o /tmp/libmalloc_count.so malloc_count.c */
//   #include <stddef.h>
//   extern void *__libc_malloc(size_t), *__libc_calloc(size_t, size_t), *__libc_realloc(void *, size_t),
//               *__libc_memalign(size_t, size_t);
//   static __thread long count;  /* per thread: only the benchmark thread's allocations count */
//   long mash_alloc_count(void) { return count; }
//   void *malloc(size_t n) { count++; return __libc_malloc(n); }
//   void *calloc(size_t k, size_t n) { count++; return __libc_calloc(k, n); }
//   void *realloc(void *p, size_t n) { count++; return __libc_realloc(p, n); }
//   void *aligned_alloc(size_t a, size_t n) { count++; return __libc_memalign(a, n); }
//   int posix_memalign(void **r, size_t a, size_t n) { count++; *r = __libc_memalign(a, n); return *r ? 0 : 12; }
//
//   LD_PRELOAD=/tmp/libmalloc_count.so .build/release/mash-bench decode
import Foundation
import Telemetry
import WallTime

enum DecodeBenchmark {
    static let summary = "telemetry decode ns/message, ns/reading, allocations: Telemetry vs Foundation (forms A, B, C), ESPHome, Tasmota"

    /// Options: `--messages N` (per form and decoder, default 200000; Foundation runs N/4),
    /// `--form A|B|C|ESPHOME|TASMOTA` (one form only), `--telemetry-only` (skip the Foundation baselines,
    /// e.g. for perf). ESPHome (one value per message) and Tasmota (`tele/…/SENSOR`, `Time` in
    /// Europe/Berlin, so the zone cache is on the path) run through their conventions' decoders.
    static func run(_ args: [String]) throws {
        func option(_ name: String) -> String? {
            guard let i = args.firstIndex(of: name), i + 1 < args.count else { return nil }
            return args[i + 1]
        }
        let messages = option("--messages").flatMap { Int($0) } ?? 200_000
        let forms = option("--form").flatMap { Form(rawValue: $0.uppercased()) }.map { [$0] } ?? Form.allCases
        let telemetryOnly = args.contains("--telemetry-only")
        let receivedAt: Int64 = 1_714_564_800_000_000
        print("decode: 4 readings per message (ESPHome: 1); CPU time of this thread; allocations per message"
              + (allocationCounter == nil ? " (n/a: preload the counter, see DecodeBenchmark.swift)" : ""))
        print("form    decoder               ns/msg  ns/reading  allocs/msg  bytes/msg")
        for form in forms {
            let payloads = (0..<1024).map { Array(form.payload(seed: $0).utf8) }
            let bytes = payloads.reduce(0) { $0 + $1.count } / payloads.count
            if let convention = form.convention {
                try runConvention(form, convention, payloads: payloads, bytes: bytes, messages: messages, receivedAt: receivedAt)
                continue
            }

            // Telemetry: one reusable sink, as the ingest path uses it.
            var sink = DecodedMessage()
            let decoder = TelemetryDecoder()
            var checksum: Int64 = 0
            for p in payloads { decoder.decode(p, receivedAtMicros: receivedAt, into: &sink) }  // warm-up, grow buffers
            precondition(sink.readings.count == 4 && sink.rejects.isEmpty, "benchmark payload must decode cleanly")
            let ours = measure(messages) { i in
                payloads[i & 1023].withUnsafeBytes {
                    decoder.decode($0, receivedAtMicros: receivedAt, into: &sink)
                }
                checksum &+= sink.readings[3].scaledValue &+ sink.readings[0].timestampMicros
            }
            report(form, "Telemetry", ours, bytes)
            if telemetryOnly { continue }

            let datas = payloads.map { Data($0) }
            let foundation = measure(messages / 4) { i in
                checksum &+= foundationDecode(datas[i & 1023], form: form, receivedAt: receivedAt)
            }
            report(form, "JSONSerialization", foundation, bytes)

            let codable = measure(messages / 4) { i in
                checksum &+= codableDecode(datas[i & 1023], form: form, receivedAt: receivedAt)
            }
            report(form, "JSONDecoder (Codable)", codable, bytes)
            if checksum == 42 { print("") }  // keep the work observable
        }
    }

    /// A convention's readings topic, decoded as the ingest consumer does (one reusable sink, the
    /// device's zone looked up per message).
    static func runConvention(_ form: Form, _ name: String, payloads: [[UInt8]], bytes: Int, messages: Int, receivedAt: Int64) throws {
        let convention = DeviceConventions.all.first { $0.name == name }!
        let zones = LocalZones()
        let timezone: String? = form == .tasmota ? "Europe/Berlin" : nil
        var sink = DecodedMessage()
        var checksum: Int64 = 0
        func decodeOne(_ payload: [UInt8]) {
            let context = ReadingContext(receivedAtMicros: receivedAt, retentionCutoffMicros: nil, zone: zones.lookup(timezone))
            payload.withUnsafeBytes { convention.decodeReadings($0, item: "living_room_temperature", context: context, into: &sink) }
        }
        for p in payloads { decodeOne(p) }  // warm-up, grow buffers, fill the zone cache
        precondition(sink.readings.count == form.readings && sink.rejects.isEmpty, "benchmark payload must decode cleanly: \(sink.rejects)")
        let ours = measure(messages) { i in
            decodeOne(payloads[i & 1023])
            checksum &+= sink.readings[0].scaledValue &+ sink.readings[0].timestampMicros
        }
        report(form, "Telemetry (\(name))", ours, bytes)
        if checksum == 42 { print("") }
    }

    enum Form: String, CaseIterable {
        case a = "A", b = "B", c = "C", esphome = "ESPHOME", tasmota = "TASMOTA"

        /// The convention that decodes it; nil for the native telemetry forms.
        var convention: String? {
            switch self {
            case .esphome: "esphome"
            case .tasmota: "tasmota"
            default: nil
            }
        }

        var readings: Int { self == .esphome ? 1 : 4 }

        func payload(seed: Int) -> String {
            let t = 21.0 + Double(seed % 100) / 10, h = 40.0 + Double(seed % 37) / 10
            let p = 1013.25 - Double(seed % 50) / 100, co2 = 400 + seed % 300
            let ms = 1_714_564_740_000 - Int64(seed) * 1000  // in the past: no future-ts rewriting
            switch self {
            case .a:
                let sec = seed % 60
                return #"{"ts":"2024-05-01T11:58:\#(sec < 10 ? "0" : "")\#(sec).123Z","readings":{"temperature":\#(t),"humidity":\#(h),"pressure":\#(p),"co2":\#(co2)}}"#
            case .b:
                return #"{"ts":\#(ms),"readings":[{"sensor":"temperature","value":\#(t),"quality":"good"},{"sensor":"humidity","value":\#(h),"quality":"good"},{"sensor":"pressure","value":\#(p)},{"sensor":"co2","value":\#(co2),"metadata":{"unit":"ppm"}}]}"#
            case .c:
                return #"{"temperature":\#(t),"humidity":\#(h),"pressure":\#(p),"co2":\#(co2),"ts":\#(ms / 1000)}"#
            case .esphome:
                return "\(t)"
            case .tasmota:
                // 2024-05-01 13:58:xx in Berlin (CEST) is 11:58:xx UTC: before the receive time.
                let sec = seed % 60
                return #"{"Time":"2024-05-01T13:58:\#(sec < 10 ? "0" : "")\#(sec)","BME280":{"Temperature":\#(t),"Humidity":\#(h),"Pressure":\#(p)},"SCD40":{"CarbonDioxide":\#(co2)},"PressureUnit":"hPa","TempUnit":"C"}"#
            }
        }
    }

    struct Result { var nsPerMessage: Double; var allocsPerMessage: Double? }

    static func measure(_ n: Int, _ body: (Int) -> Void) -> Result {
        let allocs0 = allocationCounter?() ?? 0
        let t0 = threadCPUNanoseconds()
        for i in 0..<n { body(i) }
        let t1 = threadCPUNanoseconds()
        let allocs1 = allocationCounter?() ?? 0
        return Result(nsPerMessage: Double(t1 - t0) / Double(n),
                      allocsPerMessage: allocationCounter == nil ? nil : Double(allocs1 - allocs0) / Double(n))
    }

    static func report(_ form: Form, _ name: String, _ r: Result, _ bytes: Int) {
        func pad(_ s: String, _ width: Int) -> String { s.padding(toLength: width, withPad: " ", startingAt: 0) }
        let allocs = r.allocsPerMessage.map { String(format: "%10.2f", $0) } ?? "       n/a"
        print(pad(form.rawValue, 8) + pad(name, 22)
              + String(format: "%7.0f  %10.0f  ", r.nsPerMessage, r.nsPerMessage / Double(form.readings)) + allocs + String(format: "  %9d", bytes))
    }

    static func threadCPUNanoseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    /// `mash_alloc_count` from a preloaded counter, if any.
    static let allocationCounter: (@convention(c) () -> Int)? = {
        guard let sym = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mash_alloc_count") else { return nil }
        return unsafeBitCast(sym, to: (@convention(c) () -> Int).self)
    }()

    // MARK: The Foundation baselines: same extraction (name, value, µs timestamp) per reading.

    static func micros(_ any: Any?, receivedAt: Int64) -> Int64 {
        switch any {
        case let s as String: return TelemetryTime.parseRFC3339(s) ?? receivedAt  // same RFC 3339 parser for both
        case let n as NSNumber:
            let v = n.doubleValue
            return v < 1e11 ? Int64((v * 1e6).rounded()) : Int64((v * 1e3).rounded())
        default: return receivedAt
        }
    }

    static func scaled(_ any: Any) -> Int64 {
        guard let n = any as? NSNumber else { return 0 }
        return Int64((n.doubleValue * 10_000).rounded())
    }

    static func foundationDecode(_ data: Data, form: Form, receivedAt: Int64) -> Int64 {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return 0 }
        let ts = micros(object["ts"], receivedAt: receivedAt)
        var sum: Int64 = 0
        switch form {
        case .a:
            for (name, value) in object["readings"] as? [String: Any] ?? [:] { sum &+= scaled(value) &+ Int64(name.utf8.count) &+ ts }
        case .b:
            for case let r as [String: Any] in object["readings"] as? [Any] ?? [] {
                let name = r["sensor"] as? String ?? ""
                let quality = r["quality"] as? String
                sum &+= scaled(r["value"] ?? 0) &+ Int64(name.utf8.count + (quality?.utf8.count ?? 0))
                    &+ micros(r["ts"] ?? object["ts"], receivedAt: receivedAt)
            }
        case .c:
            for (name, value) in object where name != "ts" { sum &+= scaled(value) &+ Int64(name.utf8.count) &+ ts }
        case .esphome, .tasmota:
            return 0  // measured through their conventions only (runConvention)
        }
        return sum
    }

    struct MessageA: Decodable { var ts: String?; var readings: [String: Double] }
    struct MessageB: Decodable {
        struct Reading: Decodable { var sensor: String; var value: Double; var quality: String?; var ts: Int64?; var metadata: [String: String]? }
        var ts: Int64?
        var readings: [Reading]
    }

    static func codableDecode(_ data: Data, form: Form, receivedAt: Int64) -> Int64 {
        let decoder = JSONDecoder()
        var sum: Int64 = 0
        switch form {
        case .a:
            guard let m = try? decoder.decode(MessageA.self, from: data) else { return 0 }
            let ts = m.ts.flatMap { TelemetryTime.parseRFC3339($0) } ?? receivedAt
            for (name, v) in m.readings { sum &+= Int64((v * 10_000).rounded()) &+ Int64(name.utf8.count) &+ ts }
        case .b:
            guard let m = try? decoder.decode(MessageB.self, from: data) else { return 0 }
            for r in m.readings {
                sum &+= Int64((r.value * 10_000).rounded()) &+ Int64(r.sensor.utf8.count) &+ (r.ts ?? m.ts ?? receivedAt)
            }
        case .c:
            // Flat form: the keys are the sensors, so Codable can only take a dictionary.
            guard let m = try? decoder.decode([String: Double].self, from: data) else { return 0 }
            let ts = m["ts"].map { Int64($0 * 1e6) } ?? receivedAt
            for (name, v) in m where name != "ts" { sum &+= Int64((v * 10_000).rounded()) &+ Int64(name.utf8.count) &+ ts }
        case .esphome, .tasmota:
            return 0  // measured through their conventions only (runConvention)
        }
        return sum
    }
}
