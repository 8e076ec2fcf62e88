import Foundation
import Synchronization
import Testing
import TestSupport

/// A broker, a migrated and seeded database with two devices, and the gateway binary between them.
final class IngestFixture: Sendable {
    let broker: TestBroker
    let postgres: TestPostgres
    let databaseURL: String
    let databaseName: String
    let device: MQTTProbe
    let spoolDirectory: String
    let config: String
    private let current: Mutex<GatewayProcess>
    var gateway: GatewayProcess { current.withLock { $0 } }

    init(broker: TestBroker, postgres: TestPostgres, databaseURL: String, databaseName: String, gateway: GatewayProcess,
         device: MQTTProbe, spoolDirectory: String, config: String) {
        self.broker = broker
        self.postgres = postgres
        self.databaseURL = databaseURL
        self.databaseName = databaseName
        self.current = Mutex(gateway)
        self.device = device
        self.spoolDirectory = spoolDirectory
        self.config = config
    }

    /// Starts the gateway again with the same configuration (same client id, same spool and ring).
    func startGatewayAgain() async throws {
        let gateway = try GatewayProcess.start(config: config)
        current.withLock { $0 = gateway }
        try await gateway.waitForLog("ingest ready")
        try await gateway.waitForSubscriptions()
    }

    /// `extra` is appended to the config (YAML sections not otherwise set: partitions, presence, alerts…);
    /// `ingest` lines go under `ingest:`, `mqtt` lines under `mqtt:`. With `pooler`, `database.url` goes through
    /// it and `database.listen_url` is the direct URL; `setup` is SQL run (as the superuser) before the gateway starts.
    static func start(ingest: String = "", mqtt: String = "", extra: String = "", setup: String = "", cluster: TestPostgres? = nil,
                      httpPort: Int? = nil, pooler: TestPgBouncer? = nil, spoolDirectory: String? = nil) async throws -> IngestFixture {
        let broker = try await TestBroker.start()
        let postgres: TestPostgres
        if let cluster { postgres = cluster } else { postgres = try await TestPostgres.shared() }
        let databaseURL = try await postgres.migratedDatabase()
        let name = String(databaseURL.split(separator: "/").last!)
        _ = try postgres.psql("""
            INSERT INTO devices (name, device_type, serial_number, mac_address)
            VALUES ('Kitchen sensor', 'esp32', 'sn-kitchen', 'AA:BB:CC:00:00:01'),
                   ('Garage sensor', 'rpi', NULL, '02:00:00:00:00:02')
            """, database: name)
        if !setup.isEmpty { _ = try postgres.psql(setup, database: name) }
        let spool = try spoolDirectory ?? Harness.makeDirectory("spool")
        let config = try testGatewayConfig(
            mqttURL: broker.url, databaseURL: pooler?.pooledURL(databaseURL) ?? databaseURL, listenURL: pooler == nil ? nil : databaseURL,
            spoolDirectory: spool, httpPort: httpPort, extra: extra)
            .replacingOccurrences(of: "ingest:\n  spool_dir: \(spool)", with: "ingest:\n  spool_dir: \(spool)\n" + ingest.split(separator: "\n").map { "  \($0)" }.joined(separator: "\n"))
            .replacingOccurrences(of: "mqtt:\n", with: "mqtt:\n" + mqtt.split(separator: "\n").map { "  \($0)\n" }.joined())
        let gateway = try GatewayProcess.start(config: config)
        try await gateway.waitForLog("ingest ready")
        // "ingest ready" comes before the broker connection: a message published before the SUBACKs
        // reaches no subscriber (the gateway's session is new), and a test counting rows waits in vain.
        try await gateway.waitForSubscriptions()
        let device = try await MQTTProbe.connect(broker.url)
        return IngestFixture(broker: broker, postgres: postgres, databaseURL: databaseURL, databaseName: name,
                             gateway: gateway, device: device, spoolDirectory: spool, config: config)
    }

    func sql(_ query: String) throws -> String { try postgres.psql(query, database: databaseName) }

    func count(_ query: String) throws -> Int {
        let text = try sql(query)
        guard let value = Int(text) else { throw TestSupportError("not a count: \(text)") }
        return value
    }

    /// A counter or gauge from the gateway's /metrics (needs `httpPort`).
    func metric(_ name: String, port: Int) -> Double? {
        guard let body = try? httpGet(port: port, path: "/metrics").body else { return nil }
        return body.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ")[1]) }
    }

    /// Publishes `messages` telemetry messages for sn-kitchen, 4 readings each, one second apart
    /// starting at `startSecond` (Unix seconds): every reading distinct.
    func publishBurst(messages: Int, startSecond: Int64, topic: String = "devices/sn-kitchen/telemetry") throws {
        for i in 0..<Int64(messages) {
            try device.publish(topic, #"{"ts":\#((startSecond + i) * 1000),"readings":{"temperature":\#(20 + i % 10),"humidity":\#(40 + i % 7),"pressure":\#(1000 + i % 13),"co2":\#(400 + i % 50)}}"#)
        }
    }

    /// Waits until `query` (a count) returns at least `expected`, then checks it is exactly that.
    func expectCount(_ query: String, _ expected: Int, timeout: Duration = .seconds(30),
                     sourceLocation: SourceLocation = #_sourceLocation) async throws {
        try await waitUntil("\(query) reaching \(expected) (now \((try? count(query)) ?? -1)); gateway log:\n\(gateway.log.suffix(3000))", timeout: timeout) {
            try count(query) >= expected
        }
        #expect(try count(query) == expected, sourceLocation: sourceLocation)
    }

    /// Runs `body` with a started fixture and always stops the gateway afterwards.
    static func with(
        ingest: String = "", mqtt: String = "", extra: String = "", setup: String = "", cluster: TestPostgres? = nil, httpPort: Int? = nil,
        pooler: TestPgBouncer? = nil, spoolDirectory: String? = nil, _ body: (IngestFixture) async throws -> Void
    ) async throws {
        let fixture = try await start(ingest: ingest, mqtt: mqtt, extra: extra, setup: setup, cluster: cluster, httpPort: httpPort, pooler: pooler,
                                      spoolDirectory: spoolDirectory)
        do {
            try await body(fixture)
        } catch {
            await fixture.stop()
            throw error
        }
        await fixture.stop()
    }

    func stop() async {
        device.close()
        _ = await gateway.terminate()
    }
}
