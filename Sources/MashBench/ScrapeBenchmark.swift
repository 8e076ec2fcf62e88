// `mash-bench scrape`: the status server under a Prometheus-like scraper — the real gateway binary
// (beside this one), a private mosquitto and PostgreSQL, requests carrying ~3 KB of headers.
//
//   swift build -c release && .build/release/mash-bench scrape [--scrapes 1000] [--one-shot 200]
//
// Prints, for scrapes on one kept-alive connection and for one-shot connections (`Connection:
// close`, as the hand-written server it replaced answered every request): requests/s, latency
// p50/p99/max, the scrape's size, errors and connections reset instead of closed.
import Dispatch
import Foundation
import TestSupport

enum ScrapeBenchmark {
    static let summary = "GET /metrics with ~3 KB of headers: keep-alive and one-shot requests/s, latency, errors, resets"

    static let headers: [(String, String)] = [
        ("User-Agent", "Prometheus/2.53.0"),
        ("Accept", "application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.3,*/*;q=0.2"),
        ("X-Prometheus-Scrape-Timeout-Seconds", "10"),
        ("Authorization", "Bearer " + String(repeating: "a1b2c3d4", count: 350)),
    ]

    static func run(_ args: [String]) throws {
        func option(_ name: String) -> Int? {
            guard let i = args.firstIndex(of: name), i + 1 < args.count else { return nil }
            return Int(args[i + 1])
        }
        let scrapes = option("--scrapes") ?? 1000
        let oneShot = option("--one-shot") ?? 200
        let semaphore = DispatchSemaphore(value: 0)
        let outcome = EndToEndBenchmark.Box<Result<Void, any Error>>()
        Task {
            do {
                try await measure(scrapes: scrapes, oneShot: oneShot)
                outcome.value = .success(())
            } catch {
                outcome.value = .failure(error)
            }
            semaphore.signal()
        }
        semaphore.wait()
        try outcome.value!.get()
    }

    static func measure(scrapes: Int, oneShot: Int) async throws {
        print("scrape: starting a private mosquitto, PostgreSQL 15 and the gateway…")
        let broker = try await TestBroker.start()
        let cluster = try await TestPostgres.start()
        let database = try await cluster.migratedDatabase()
        let port = try freeLoopbackPort()
        let config = try testGatewayConfig(mqttURL: broker.url, databaseURL: database, httpPort: port)
            .replacingOccurrences(of: "level: debug", with: "level: info")
        let gateway = try GatewayProcess.start(config: config)
        try await waitUntil("/readyz 200", timeout: .seconds(60)) { (try? httpGet(port: port, path: "/readyz"))?.status == 200 }
        let headerBytes = headers.reduce(0) { $0 + $1.0.utf8.count + $1.1.utf8.count + 4 }
        print("request headers: \(headerBytes) bytes")

        let clock = ContinuousClock()
        var latencies = [Duration]()
        var errors = 0
        var size = 0
        let connection = try HTTPConnection(port: port)
        let keepAliveStart = clock.now
        for _ in 0..<scrapes {
            let start = clock.now
            do {
                let response = try connection.send("GET", "/metrics", headers: headers)
                if response.status != 200 { errors += 1 }
                size = response.body.utf8.count
            } catch {
                errors += 1
                break
            }
            latencies.append(clock.now - start)
        }
        report("keep-alive", count: scrapes, elapsed: clock.now - keepAliveStart, latencies: latencies, errors: errors, resets: nil)
        print("scrape size: \(size) bytes")

        latencies = []
        errors = 0
        var resets = 0
        let oneShotStart = clock.now
        for _ in 0..<oneShot {
            let start = clock.now
            do {
                let connection = try HTTPConnection(port: port)
                let response = try connection.send("GET", "/metrics", headers: headers + [("Connection", "close")])
                if response.status != 200 { errors += 1 }
                if try !connection.closedCleanly() { resets += 1 }
            } catch {
                errors += 1
            }
            latencies.append(clock.now - start)
        }
        report("one-shot", count: oneShot, elapsed: clock.now - oneShotStart, latencies: latencies, errors: errors, resets: resets)
        _ = await gateway.terminate()
        await cluster.stop()
        await broker.stop()
    }

    static func report(_ label: String, count: Int, elapsed: Duration, latencies: [Duration], errors: Int, resets: Int?) {
        let sorted = latencies.sorted()
        func ms(_ d: Duration?) -> String {
            guard let d else { return "-" }
            return String(format: "%.2f ms", Double(d.components.attoseconds) / 1e15 + Double(d.components.seconds) * 1000)
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let p50 = sorted.isEmpty ? nil : sorted[sorted.count / 2]
        let p99 = sorted.isEmpty ? nil : sorted[min(sorted.count - 1, sorted.count * 99 / 100)]
        print("""
            \(label): \(count) requests in \(String(format: "%.2f", seconds)) s (\(String(format: "%.0f", Double(count) / seconds))/s), \
            p50 \(ms(p50)), p99 \(ms(p99)), max \(ms(sorted.last)), errors \(errors)\(resets.map { ", resets \($0)" } ?? "")
            """)
    }
}
