import Foundation
import Postgres
import Testing
import TestSupport

/// The daemon as an operator runs it: the built binary against a real broker and database.
@Suite("Gateway lifecycle")
struct GatewayLifecycleTests {
    @Test("SIGTERM: offline status published (retained), exit 0")
    func sigtermPublishesOfflineAndExitsZero() async throws {
        let broker = try await TestBroker.start()
        let database = try await TestPostgres.shared().migratedDatabase()
        let clientID = "gw-lifecycle-\(UInt16.random(in: 0...UInt16.max))"
        let gateway = try GatewayProcess.start(config: testGatewayConfig(mqttURL: broker.url, databaseURL: database, clientID: clientID))
        let observer = try await MQTTProbe.connect(broker.url, subscribe: ["gateway/\(clientID)/status"])
        defer { observer.close() }

        try await observer.waitForMessage(on: "gateway/\(clientID)/status") { $0.payloadString == "online" }
        let status = await gateway.terminate()
        #expect(status == 0, "exit status; log:\n\(gateway.log)")
        try await observer.waitForMessage(on: "gateway/\(clientID)/status") { $0.payloadString == "offline" }

        // Retained: a client connecting later still learns the gateway is offline.
        let late = try await MQTTProbe.connect(broker.url, subscribe: ["gateway/\(clientID)/status"])
        defer { late.close() }
        let retained = try await late.waitForMessage(on: "gateway/\(clientID)/status")
        #expect(retained.payloadString == "offline")
        #expect(retained.retain)
    }

    @Test("SIGKILL: the broker publishes the offline will")
    func killedGatewayLeavesOfflineWill() async throws {
        let broker = try await TestBroker.start()
        let database = try await TestPostgres.shared().migratedDatabase()
        let clientID = "gw-will-\(UInt16.random(in: 0...UInt16.max))"
        let gateway = try GatewayProcess.start(config: testGatewayConfig(mqttURL: broker.url, databaseURL: database, clientID: clientID))
        let observer = try await MQTTProbe.connect(broker.url, subscribe: ["gateway/\(clientID)/status"])
        defer { observer.close() }
        try await observer.waitForMessage(on: "gateway/\(clientID)/status") { $0.payloadString == "online" }
        await gateway.kill()
        try await observer.waitForMessage(on: "gateway/\(clientID)/status") { $0.payloadString == "offline" }
    }

    @Test("run refuses, with one line and exit 65, when the schema is behind")
    func refusesWhenSchemaBehind() async throws {
        let broker = try await TestBroker.start()
        let database = try await TestPostgres.shared().createDatabase()  // nothing applied
        let gateway = try GatewayProcess.start(config: testGatewayConfig(mqttURL: broker.url, databaseURL: database))
        let status = await gateway.process.waitForExit(timeout: .seconds(30))
        #expect(status == 65, "log:\n\(gateway.log)")
        let errorLines = gateway.log.split(separator: "\n").filter { $0.hasPrefix("mash-gateway:") }
        #expect(errorLines.count == 1)
        #expect(errorLines.first?.contains("mash-gateway migrate") == true)
    }

    @Test("waits for an unreachable database, then starts when it comes up; SIGTERM while waiting exits 0")
    func waitsForDatabase() async throws {
        let broker = try await TestBroker.start()
        let cluster = try await TestPostgres.start()
        let database = try await cluster.migratedDatabase()
        await cluster.stop()
        let clientID = "gw-wait-\(UInt16.random(in: 0...UInt16.max))"
        let gateway = try GatewayProcess.start(config: testGatewayConfig(mqttURL: broker.url, databaseURL: database, clientID: clientID))
        try await gateway.waitForLog("database unreachable, retrying")
        #expect(!gateway.log.contains("mash-test"), "the password must not be logged")
        let observer = try await MQTTProbe.connect(broker.url, subscribe: ["gateway/\(clientID)/status"])
        defer { observer.close() }
        try await cluster.restart()
        try await observer.waitForMessage(on: "gateway/\(clientID)/status", timeout: .seconds(60)) { $0.payloadString == "online" }
        #expect(await gateway.terminate() == 0)

        // Stopped while still waiting for the database: a clean exit too.
        await cluster.stop()
        let waiting = try GatewayProcess.start(config: testGatewayConfig(mqttURL: broker.url, databaseURL: database))
        try await waiting.waitForLog("database unreachable, retrying")
        #expect(await waiting.terminate() == 0, "log:\n\(waiting.log)")
    }

    @Test("a broker that is down at start is retried until it comes up")
    func waitsForBroker() async throws {
        let broker = try await TestBroker.start()
        let database = try await TestPostgres.shared().migratedDatabase()
        await broker.stop()
        let clientID = "gw-broker-\(UInt16.random(in: 0...UInt16.max))"
        let gateway = try GatewayProcess.start(config: testGatewayConfig(mqttURL: broker.url, databaseURL: database, clientID: clientID))
        try await gateway.waitForLog("mqtt intake started")
        try await broker.restart()
        let observer = try await MQTTProbe.connect(broker.url, subscribe: ["gateway/\(clientID)/status"])
        defer { observer.close() }
        try await observer.waitForMessage(on: "gateway/\(clientID)/status", timeout: .seconds(60)) { $0.payloadString == "online" }
        #expect(await gateway.terminate() == 0)
    }
}
