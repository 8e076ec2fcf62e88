import Foundation
import Testing
import TestSupport

/// The status server as Prometheus and a load balancer use it: the real binary, a keep-alive
/// client sending Prometheus-sized headers, and `/healthz` following PostgreSQL and the broker live.
@Suite("Status server", .timeLimit(.minutes(4)))
struct StatusServerTests {
    /// About 3 KB of headers, like a Prometheus scrape with a bearer token and its usual fields.
    static let scrapeHeaders: [(String, String)] = [
        ("User-Agent", "Prometheus/2.53.0"),
        ("Accept", "application/openmetrics-text;version=1.0.0;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2"),
        ("Accept-Encoding", "identity"),
        ("X-Prometheus-Scrape-Timeout-Seconds", "10"),
        ("Authorization", "Bearer " + String(repeating: "a1b2c3d4", count: 350)),
    ]

    @Test("1,000 scrapes with 3 KB of headers on one kept-alive connection, then 100 one-shot connections: no error, no reset")
    func scrapesWithoutResets() async throws {
        let broker = try await TestBroker.start()
        let database = try await TestPostgres.shared().migratedDatabase()
        let port = try freeLoopbackPort()
        let gateway = try GatewayProcess.start(config: testGatewayConfig(mqttURL: broker.url, databaseURL: database, httpPort: port))
        try await waitUntil("/readyz 200", timeout: .seconds(60)) { (try? httpGet(port: port, path: "/readyz"))?.status == 200 }

        let headerBytes = Self.scrapeHeaders.reduce(0) { $0 + $1.0.utf8.count + $1.1.utf8.count + 4 }
        #expect(headerBytes > 3000)
        let connection = try HTTPConnection(port: port)
        var failures: [String] = []
        for index in 0..<1000 {
            do {
                let response = try connection.send("GET", "/metrics", headers: Self.scrapeHeaders)
                if response.status != 200 || !response.body.contains("mash_gateway_build_info") {
                    failures.append("scrape \(index): status \(response.status)")
                }
            } catch {
                failures.append("scrape \(index): \(error)")
                break
            }
        }
        #expect(failures.isEmpty, "\(failures.count) failed scrapes, first: \(failures.prefix(3))")

        // HEAD: GET's status and length, no body (else the next exchange on this connection breaks).
        let head = try connection.send("HEAD", "/metrics", headers: Self.scrapeHeaders)
        #expect(head.status == 200)
        #expect(Int(head.headers["content-length"] ?? "0") ?? 0 > 0)
        #expect(head.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
        let post = try connection.send("POST", "/metrics", headers: [("Content-Length", "0")])
        #expect(post.status == 405)
        #expect(post.headers["allow"] == "GET, HEAD")
        let missing = try connection.send("GET", "/nope")
        #expect(missing.status == 404)
        #expect(missing.body.contains("/metrics"))
        let last = try connection.send("GET", "/healthz", headers: [("Connection", "close")])
        #expect(last.status == 200, "healthz: \(last.body)")
        #expect(try connection.closedCleanly(), "the server reset the connection instead of closing it")

        // The hand-written server's failure: a one-shot request with large headers ended in a reset.
        var resets = 0
        for _ in 0..<100 {
            let oneShot = try HTTPConnection(port: port)
            let response = try oneShot.send("GET", "/metrics", headers: Self.scrapeHeaders + [("Connection", "close")])
            #expect(response.status == 200)
            if try !oneShot.closedCleanly() { resets += 1 }
        }
        #expect(resets == 0)

        // Headers beyond the bound are refused with a status, not read forever.
        let huge = try HTTPConnection(port: port)
        let refused = try? huge.send("GET", "/metrics", headers: [("X-Padding", String(repeating: "x", count: 100_000))])
        #expect(refused.map { $0.status >= 400 } ?? true)
        #expect(await gateway.terminate() == 0)
    }

    @Test("a taken http.listen port stops start-up with one line naming the key, exit 78")
    func takenPortIsAConfigurationError() async throws {
        let broker = try await TestBroker.start()
        let database = try await TestPostgres.shared().migratedDatabase()
        let holder = try HeldLoopbackPort(listening: true)
        defer { holder.close() }
        let gateway = try GatewayProcess.start(config: testGatewayConfig(mqttURL: broker.url, databaseURL: database, httpPort: holder.port))
        let status = await gateway.process.waitForExit(timeout: .seconds(30))
        #expect(status == 78, "log:\n\(gateway.log)")
        #expect(gateway.log.contains("http.listen: cannot listen on 127.0.0.1:\(holder.port)"), "log:\n\(gateway.log)")
    }

    @Test("/readyz waits for start-up; /healthz turns 503 naming the database within 10 s of losing it, and 200 when it is back")
    func healthFollowsTheDatabase() async throws {
        let broker = try await TestBroker.start()
        let cluster = try await TestPostgres.start()
        let database = try await cluster.migratedDatabase()
        await cluster.stop()
        let port = try freeLoopbackPort()
        let gateway = try GatewayProcess.start(config: testGatewayConfig(mqttURL: broker.url, databaseURL: database, httpPort: port))
        let early = try await waitFor("/readyz to answer") { try? httpGet(port: port, path: "/readyz") }
        #expect(early.status == 503)
        #expect(early.body.contains("not ready"))
        let unhealthy = try httpGet(port: port, path: "/healthz")
        #expect(unhealthy.status == 503)
        #expect(unhealthy.body.contains("database: not ready"), "body: \(unhealthy.body)")

        try await cluster.restart()
        try await waitUntil("/readyz 200", timeout: .seconds(60)) { (try? httpGet(port: port, path: "/readyz"))?.status == 200 }
        try await waitUntil("/healthz 200", timeout: .seconds(30)) { (try? httpGet(port: port, path: "/healthz"))?.status == 200 }

        await cluster.stop()
        let down = try await waitFor("/healthz 503 within 10 s of stopping PostgreSQL", timeout: .seconds(10)) {
            (try? httpGet(port: port, path: "/healthz")).flatMap { $0.status == 503 ? $0 : nil }
        }
        #expect(down.body.contains("database"), "body: \(down.body)")
        #expect(try httpGet(port: port, path: "/readyz").status == 200, "readiness is about start-up, not current health")

        try await cluster.restart()
        try await waitUntil("/healthz 200 again", timeout: .seconds(30)) { (try? httpGet(port: port, path: "/healthz"))?.status == 200 }
        #expect(await gateway.terminate() == 0)
    }

    @Test("/healthz turns 503 naming the broker within 10 s of losing it, and 200 when it is back")
    func healthFollowsTheBroker() async throws {
        let broker = try await TestBroker.start()
        let database = try await TestPostgres.shared().migratedDatabase()
        let port = try freeLoopbackPort()
        let gateway = try GatewayProcess.start(config: testGatewayConfig(mqttURL: broker.url, databaseURL: database, httpPort: port))
        try await waitUntil("/healthz 200", timeout: .seconds(60)) { (try? httpGet(port: port, path: "/healthz"))?.status == 200 }

        await broker.stop()
        let down = try await waitFor("/healthz 503 within 10 s of stopping the broker", timeout: .seconds(10)) {
            (try? httpGet(port: port, path: "/healthz")).flatMap { $0.status == 503 ? $0 : nil }
        }
        #expect(down.body.contains("mqtt"), "body: \(down.body)")
        let metrics = try httpGet(port: port, path: "/metrics").body
        #expect(metrics.contains("mash_mqtt_connected 0"))

        try await broker.restart()
        try await waitUntil("/healthz 200 again", timeout: .seconds(30)) { (try? httpGet(port: port, path: "/healthz"))?.status == 200 }
        let after = try httpGet(port: port, path: "/metrics").body
        #expect(after.contains("mash_mqtt_connected 1"))
        #expect(after.contains("mash_mqtt_reconnects_total 1"))
        #expect(await gateway.terminate() == 0)
    }
}
