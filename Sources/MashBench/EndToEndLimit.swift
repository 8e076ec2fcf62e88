// The limit part of `mash-bench e2e`: what this machine could move at most, measured in the same run.
//
// Three measurements of the e2e workload, each without the gateway:
//   - the broker alone: the same messages from the same publisher to a bare libmosquitto subscriber
//     that only ACKs (`mash-bench ack-subscriber`, its own process), giving the broker's, the
//     publisher's and that subscriber's CPU per reading;
//   - the raw binary COPY of the same rows (PostgreSQL backend CPU per row; measured by e2e itself);
//   - the gateway's own floor: decoding the same payloads and encoding their rows for COPY, one
//     thread, no I/O.
// Their sum is the CPU one reading needs at the least on this machine; the cores divided by it is
// the machine's physical limit in readings/s, and the end-to-end rate over it is the gateway's
// fraction of that limit.
import Foundation
import Ingest
import Logging
import MQTT
import Telemetry
import TestSupport

enum EndToEndLimit {
    /// CPU per reading (µs) of the parts any MQTT → PostgreSQL bridge on this machine must run.
    struct Costs {
        /// mosquitto, delivering to a subscriber that only ACKs.
        var broker: Double
        /// That subscriber: the least an MQTT client spends to receive and acknowledge.
        var subscriber: Double
        /// The benchmark's publisher (it shares the machine in the e2e run too).
        var publisher: Double
        /// PostgreSQL's backends for a raw binary COPY of the same rows.
        var copy: Double
        /// Decoding the payload and encoding its rows for COPY, one thread.
        var floor: Double

        var total: Double { broker + subscriber + publisher + copy + floor }

        /// Readings/s with every core busy with nothing but this work.
        func limit(cores: Int) -> Double { Double(cores) * 1e6 / total }
    }

    /// The broker-alone run: CPU per reading of broker, subscriber and publisher, and its rate.
    struct BrokerAlone {
        var broker: Double
        var subscriber: Double
        var publisher: Double
        var rate: Double
    }

    /// The e2e throughput phase's message `index` (4 readings; `base` ms, one second per round of devices).
    static func payload(_ index: Int, devices: Int, base: Int64) -> String {
        let ts = base + Int64(index / devices) * 1000
        return #"{"ts":\#(ts),"readings":{"temperature":\#(20 + index % 10).5,"humidity":\#(40 + index % 20),"pressure":\#(1000 + index % 30).25,"co2":\#(400 + index % 200)}}"#
    }

    static func topics(devices: Int) -> [String] {
        (1...devices).map { "devices/bench-\(String(repeating: "0", count: 5 - String($0).count))\($0)/telemetry" }
    }

    /// Publishes the e2e throughput phase's messages to a bare ACK-only subscriber. Run it while
    /// no gateway is subscribed, so the broker delivers each message exactly once.
    static func brokerAlone(broker: TestBroker, readings: Int, devices: Int) async throws -> BrokerAlone {
        let brokerPID = try Int32(String(contentsOfFile: "\(broker.directory)/mosquitto.pid", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        let messages = readings / 4
        let directory = try Harness.makeDirectory("bench-ack")
        let subscriber = try ChildProcess(
            URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path,
            ["ack-subscriber", "127.0.0.1", String(broker.port), "devices/+/telemetry", String(messages)],
            logPath: "\(directory)/ack-subscriber.log")
        defer { subscriber.signal(SIGKILL) }
        let subscribedAt = try await lineValue(subscriber, prefix: "subscribed ", timeout: .seconds(20))

        let publisher = try MQTTClient(
            options: MQTTClient.Options(url: broker.url, clientID: "mash-bench-limit-publisher", cleanSession: true, maxInflightMessages: 1000),
            logger: Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() }), onMessage: { _ in })
        try publisher.start()
        defer { publisher.stop() }
        try await publisher.waitForConnection(timeout: .seconds(10))
        let keys = topics(devices: devices)
        let base = (Int64(Date().timeIntervalSince1970) - 3 * 86_400) * 1000
        let brokerCPU0 = CopyBenchmark.cpuTicks(brokerPID) ?? 0
        let selfCPU0 = processCPUMicros()
        let clock = ContinuousClock()
        let began = clock.now
        for i in 0..<messages {
            _ = try publisher.publish(topic: keys[i % devices], payload: payload(i, devices: devices, base: base), qos: .atLeastOnce)
        }
        let selfCPU1 = processCPUMicros()
        // The subscriber reports when it has the last message; a stall of a minute is a failure, not a hang.
        let doneAt = try await lineValue(subscriber, prefix: "cpu_us ", timeout: .seconds(60 + messages / 5_000))
        let elapsed = clock.now - began
        let brokerCPU1 = CopyBenchmark.cpuTicks(brokerPID) ?? 0
        _ = await subscriber.waitForExit(timeout: .seconds(5))
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let n = Double(readings)
        return BrokerAlone(
            broker: Double(brokerCPU1 - brokerCPU0) / ticks * 1e6 / n,
            subscriber: Double(doneAt - subscribedAt) / n,
            publisher: Double(selfCPU1 - selfCPU0) / n,
            rate: n / EndToEndBenchmark.seconds(elapsed))
    }

    /// The gateway's own work per reading at the least: the e2e payloads decoded and their rows
    /// encoded for COPY in 5,000-row batches, on this thread, without I/O (µs of thread CPU).
    static func floor(readings: Int, devices: Int) -> Double {
        let base = (Int64(Date().timeIntervalSince1970) - 3 * 86_400) * 1000
        let payloads = (0..<1024).map { Array(payload($0, devices: devices, base: base).utf8) }
        let decoder = TelemetryDecoder()
        var decoded = DecodedMessage()
        var batch = ReadingBatch(capacity: 5000)
        let device: (UInt64, UInt64) = (0x0190_0000_0000_7000, 0x8000_0000_0000_0001)
        let sensor: (UInt64, UInt64) = (0x0190_0000_0000_7000, 0x8000_0000_0000_0002)
        let receivedAt = Int64(Date().timeIntervalSince1970 * 1_000_000)
        let cpu0 = threadCPUNanoseconds()
        for i in 0..<(readings / 4) {
            payloads[i & 1023].withUnsafeBytes { decoder.decode($0, receivedAtMicros: receivedAt, into: &decoded) }
            for reading in decoded.readings {
                _ = batch.append(deviceID: device, sensorTypeID: sensor, scaledValue: reading.scaledValue,
                                 quality: reading.quality, timestampMicros: reading.timestampMicros, metadata: nil)
            }
            if batch.readingCount >= 5000 {
                batch.seal()
                batch.reset()
            }
        }
        let cpu1 = threadCPUNanoseconds()
        precondition(decoded.readings.count == 4 && decoded.rejects.isEmpty, "e2e payload must decode cleanly")
        return Double(cpu1 - cpu0) / 1000 / Double(readings)
    }

    /// The limit lines of the e2e report.
    static func report(_ costs: Costs, brokerAloneRate: Double, e2eRate: Double, gatewayMicros: Double) -> String {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let limit = costs.limit(cores: cores)
        func f(_ value: Double) -> String { String(format: "%.2f", value) }
        return """
              broker alone          \(EndToEndBenchmark.format(brokerAloneRate)) readings/s   (same messages to a bare libmosquitto subscriber that only ACKs)
              CPU per reading       broker \(f(costs.broker)) + ACK-only subscriber \(f(costs.subscriber)) + publisher \(f(costs.publisher)) + raw COPY \(f(costs.copy)) + gateway floor \(f(costs.floor)) (decode + COPY encoding) = \(f(costs.total)) µs
              physical limit        \(EndToEndBenchmark.format(limit)) readings/s   (\(cores) cores / \(f(costs.total)) µs)
              gateway fraction      \(f(e2eRate / limit)) of the limit   (goal ≥ 0.90)
              gateway CPU vs floor  \(f(gatewayMicros)) µs/reading vs \(f(costs.subscriber + costs.floor)) (ACK-only subscriber + floor): \(f(gatewayMicros / max(costs.subscriber + costs.floor, 0.001)))×
            """
    }

    /// Waits for the child's line `prefix<integer>` and returns the integer.
    private static func lineValue(_ child: ChildProcess, prefix: String, timeout: Duration) async throws -> Int {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let output = child.output()
            if let line = output.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }),
               let value = Int(line.dropFirst(prefix.count).trimmingCharacters(in: .whitespaces)) {
                return value
            }
            if !child.isRunning {
                throw TestSupportError("ack-subscriber ended before printing \"\(prefix)\": \(output.suffix(800))")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TestSupportError("ack-subscriber printed no \"\(prefix)\" within \(timeout): \(child.output().suffix(800))")
    }

    /// This process's user + system CPU time so far, in µs.
    private static func processCPUMicros() -> Int { AckSubscriber.cpuMicros() }

    private static func threadCPUNanoseconds() -> Int {
        var now = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
        return now.tv_sec * 1_000_000_000 + now.tv_nsec
    }
}
