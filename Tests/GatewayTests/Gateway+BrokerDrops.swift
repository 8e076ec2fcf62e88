import Foundation
import Testing
import TestSupport

@Suite("Broker drops")
struct BrokerDropTests {
    @Test("messages the broker drops (queue limit) are reported in the gateway's log")
    func brokerDropsAreReported() async throws {
        let broker = try await TestBroker.start(extraConfig: "max_queued_messages 5\nsys_interval 1")
        let database = try await TestPostgres.shared().migratedDatabase()
        let gateway = try GatewayProcess.start(config: testGatewayConfig(mqttURL: broker.url, databaseURL: database))
        try await gateway.waitForLog("mqtt intake started")
        // A persistent subscriber that goes away: the broker queues 5 messages for it and drops the rest.
        let absent = try await MQTTProbe.connect(broker.url, id: "absent-\(UInt16.random(in: 0...UInt16.max))", subscribe: ["x/#"], persistent: true)
        absent.close()
        let publisher = try await MQTTProbe.connect(broker.url)
        defer { publisher.close() }
        for i in 0..<50 { try publisher.publish("x/y", "\(i)") }
        // Either line reports the drops: "the broker dropped messages" when the gateway saw the counter before
        // they happened, "the broker has dropped messages since it started" when its subscription to the
        // counter was answered only after them (a slow, busy machine).
        try await gateway.waitForLog("dropped messages")
        #expect(await gateway.terminate() == 0)
    }
}
