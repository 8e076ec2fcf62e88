// `mash-bench soak`: the gateway's start-up time and memory with a large registered fleet.
//
//   .build/release/mash-bench soak [--devices 10000,100000] [--rate 10000] [--minutes 5] [--sample-seconds 30]
//
// A private mosquitto and PostgreSQL and the release `mash-gateway`. For each fleet size in --devices
// (a fresh database each): the fleet is registered first, then the gateway starts under a systemd-style
// NOTIFY_SOCKET and the time from spawning it to its READY=1 is printed; then a simulated fleet
// (`mash-gateway simulate`'s engine, every payload form, heartbeats every 30 s) publishes --rate
// readings/s for --minutes while the gateway's resident memory is sampled: the whole resident set,
// its anonymous part and the pages of the ring file it has touched (shared page cache, counted in
// the resident set once mapped). Prints the peak against the targets (≤ 64 MiB at 10,000 devices,
// ≤ 96 MiB at 100,000), and first and last samples: flat means no leak.
import Dispatch
import Foundation
import Logging
import Simulator
import TestSupport

enum SoakBenchmark {
    static let summary = "gateway start-up time to READY=1 and RSS with large registered fleets (--devices 10000,100000, --rate, --minutes)"

    static func run(_ args: [String]) throws {
        func option(_ name: String) -> String? {
            guard let i = args.firstIndex(of: name), i + 1 < args.count else { return nil }
            return args[i + 1]
        }
        let fleets = (option("--devices") ?? "10000,100000").split(separator: ",").compactMap { Int($0) }
        let rate = option("--rate").flatMap { Double($0) } ?? 10_000
        let minutes = option("--minutes").flatMap { Double($0) } ?? 5
        let sampleSeconds = option("--sample-seconds").flatMap { Int($0) } ?? 30
        guard !fleets.isEmpty, fleets.allSatisfy({ $0 > 0 }), rate > 0, minutes > 0, sampleSeconds > 0 else {
            throw BenchmarkUsage("usage: mash-bench soak [--devices N[,N…]] [--rate R] [--minutes M] [--sample-seconds S]")
        }
        let done = DispatchSemaphore(value: 0)
        let failure = EndToEndBenchmark.Box<any Error>()
        Task {
            do {
                let broker = try await TestBroker.start()
                let cluster = try await TestPostgres.start(durable: true)
                var results: [SoakResult] = []
                for devices in fleets {
                    results.append(try await soak(devices: devices, rate: rate, minutes: minutes, sampleSeconds: sampleSeconds,
                                                  broker: broker, cluster: cluster))
                }
                await broker.stop()
                await cluster.stop()
                print("\nsoak summary (\(Int(rate)) readings/s, \(minutes) min each):")
                for result in results { print("  " + result.line) }
            } catch { failure.value = error }
            done.signal()
        }
        done.wait()
        if let error = failure.value { throw error }
    }

    /// What one fleet size measured.
    struct SoakResult {
        let devices: Int
        let startup: Duration
        let readyRSS: ResidentMemory
        let peakKiB: Int
        let samples: [ResidentMemory]

        /// The issue's targets: 64 MiB with the ring at 10,000 devices, 96 MiB at 100,000 (in between: the larger).
        var targetMiB: Int { devices <= 10_000 ? 64 : 96 }

        var line: String {
            let worst = samples.max { $0.totalKiB < $1.totalKiB }
            let verdict = peakKiB <= targetMiB * 1024 ? "meets" : "misses"
            return String(
                format: "%6d devices: READY=1 after %.2f s (RSS then %.1f MiB); peak RSS %.1f MiB (%@ ≤ %d MiB), largest sample %@",
                devices, seconds(startup), mib(readyRSS.totalKiB), mib(peakKiB), verdict, targetMiB, worst?.description ?? "n/a")
        }
    }

    static func soak(devices: Int, rate: Double, minutes: Double, sampleSeconds: Int,
                     broker: TestBroker, cluster: TestPostgres) async throws -> SoakResult {
        let database = try await cluster.migratedDatabase()
        let port = try freeLoopbackPort()
        let config = try testGatewayConfig(mqttURL: broker.url, databaseURL: database, clientID: "mash-soak-\(devices)",
                                           spoolDirectory: Harness.makeDirectory("soak-spool"), httpPort: port)
            .replacingOccurrences(of: "level: debug", with: "level: info")
        let quiet = Logger(label: "soak", factory: { _ in SwiftLogNoOpLogHandler() })
        // Register the fleet before the gateway starts, so its device cache holds all of them.
        try Fleet(options: FleetOptions(devices: devices, rate: rate, mqttURL: broker.url), logger: quiet)
            .registerDevices(databaseURL: database)
        let notify = try NotifySocket()
        let clock = ContinuousClock()
        let spawned = clock.now
        let gateway = try GatewayProcess.start(config: config, environment: ["NOTIFY_SOCKET": notify.path])
        defer { gateway.process.signal(SIGKILL) }
        try await waitUntil("READY=1 from the gateway; log so far:\n\(gateway.log)", timeout: .seconds(120), every: .milliseconds(5)) {
            notify.messages.contains { $0.split(separator: "\n").contains("READY=1") }
        }
        let startup = clock.now - spawned
        let pid = gateway.process.pid
        let readyRSS = ResidentMemory(pid: pid)
        print(String(format: "soak: %d devices: READY=1 after %.2f s; RSS then %@", devices, seconds(startup), readyRSS.description))
        print("soak: \(devices) devices, \(Int(rate)) readings/s, \(minutes) min; gateway pid \(pid)")

        let duration = Duration.milliseconds(Int64(minutes * 60_000))
        let fleet = Task {
            try await Fleet(options: FleetOptions(devices: devices, rate: rate, duration: duration, mqttURL: broker.url,
                                                  offlineAtEnd: false), logger: quiet).run()
        }
        var samples: [ResidentMemory] = []
        let began = clock.now
        while clock.now - began < duration {
            try await Task.sleep(for: .seconds(sampleSeconds))
            let sample = ResidentMemory(pid: pid)
            samples.append(sample)
            print(String(format: "  %4d s  %@", Int((clock.now - began).components.seconds), sample.description))
        }
        let report = try await fleet.value
        // Let the gateway take what the broker still holds for it, then count.
        let name = String(database.split(separator: "/").last!)
        var stored = ""
        while true {
            let now = try cluster.psql("SELECT count(*) FROM sensor_readings", database: name)
            if now == stored { break }
            stored = now
            try await Task.sleep(for: .seconds(2))
        }
        let peak = EndToEndBenchmark.peakRSS(pid) ?? 0
        print(String(format: "soak: %d devices: peak RSS %.1f MiB; first sample %@; last %@; fleet %@; stored %@ rows",
                     devices, mib(peak), samples.first?.description ?? "n/a", samples.last?.description ?? "n/a",
                     report.description, stored))
        _ = await gateway.terminate()
        return SoakResult(devices: devices, startup: startup, readyRSS: readyRSS, peakKiB: peak, samples: samples)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func mib(_ kib: Int) -> Double { Double(kib) / 1024 }
}
