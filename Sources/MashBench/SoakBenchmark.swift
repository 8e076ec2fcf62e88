// `mash-bench soak`: the gateway's memory over a long run with a large fleet.
//
//   .build/release/mash-bench soak [--devices 10000] [--rate 10000] [--minutes 10]
//
// A private mosquitto and PostgreSQL, the release `mash-gateway`, and a simulated fleet
// (`mash-gateway simulate`'s engine, every payload form) at --rate readings/s. Prints the
// gateway's resident memory every 30 s, then peak, first and last samples: flat means no leak.
import Dispatch
import Foundation
import Logging
import Simulator
import TestSupport

enum SoakBenchmark {
    static let summary = "gateway RSS over a long run with a large simulated fleet (--devices, --rate, --minutes)"

    static func run(_ args: [String]) throws {
        func option(_ name: String) -> String? {
            guard let i = args.firstIndex(of: name), i + 1 < args.count else { return nil }
            return args[i + 1]
        }
        let devices = option("--devices").flatMap { Int($0) } ?? 10_000
        let rate = option("--rate").flatMap { Double($0) } ?? 10_000
        let minutes = option("--minutes").flatMap { Double($0) } ?? 10
        let done = DispatchSemaphore(value: 0)
        let failure = EndToEndBenchmark.Box<any Error>()
        Task {
            do { try await soak(devices: devices, rate: rate, minutes: minutes) } catch { failure.value = error }
            done.signal()
        }
        done.wait()
        if let error = failure.value { throw error }
    }

    static func soak(devices: Int, rate: Double, minutes: Double) async throws {
        let broker = try await TestBroker.start()
        let cluster = try await TestPostgres.start(durable: true)
        let database = try await cluster.migratedDatabase()
        let port = try freeLoopbackPort()
        let config = try testGatewayConfig(mqttURL: broker.url, databaseURL: database, clientID: "mash-soak",
                                           spoolDirectory: Harness.makeDirectory("soak-spool"), httpPort: port)
            .replacingOccurrences(of: "level: debug", with: "level: info")
        let quiet = Logger(label: "soak", factory: { _ in SwiftLogNoOpLogHandler() })
        // Register the fleet before the gateway starts, so its device cache holds all of them.
        _ = try await Fleet(options: FleetOptions(devices: devices, rate: 1, duration: .milliseconds(1), mqttURL: broker.url,
                                                  databaseURL: database, offlineAtEnd: false), logger: quiet).run()
        let gateway = try GatewayProcess.start(config: config)
        try await gateway.waitForLog("ingest ready")
        let pid = gateway.process.pid
        print("soak: \(devices) devices, \(Int(rate)) readings/s, \(minutes) min; gateway pid \(pid)")
        let duration = Duration.milliseconds(Int64(minutes * 60_000))
        let fleet = Task {
            try await Fleet(options: FleetOptions(devices: devices, rate: rate, duration: duration, mqttURL: broker.url,
                                                  offlineAtEnd: false), logger: quiet).run()
        }
        var samples: [(Int, Int)] = []
        let clock = ContinuousClock()
        let began = clock.now
        while clock.now - began < duration {
            try await Task.sleep(for: .seconds(30))
            let rss = EndToEndBenchmark.residentKiB(pid) ?? 0
            let elapsed = Int((clock.now - began).components.seconds)
            samples.append((elapsed, rss))
            print(String(format: "  %4d s  RSS %6.1f MiB  (%@)", elapsed, Double(rss) / 1024, EndToEndBenchmark.residentBreakdown(pid)))
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
        print(String(format: "soak: peak RSS %.1f MiB; first sample %.1f MiB, last %.1f MiB; fleet %@; stored %@ rows",
                     Double(peak) / 1024, Double(samples.first?.1 ?? 0) / 1024, Double(samples.last?.1 ?? 0) / 1024,
                     report.description, stored))
        _ = await gateway.terminate()
        await broker.stop()
        await cluster.stop()
    }
}
