import MQTT
import Testing
import TestSupport

@Suite("MQTTClient reconnects and resubscribes")
struct MQTTClientReconnectTests {
    /// A clean session makes the broker forget our subscription when the connection ends, so
    /// messages after the restart arrive only because on_connect re-sent SUBSCRIBE.
    @Test(arguments: [false, true])
    func resubscribesAfterTheBrokerRestarts(killed: Bool) async throws {
        let broker = try await TestBroker.start()
        let (subscriber, inbox) = try await startClient(broker, id: "re-sub", cleanSession: true, subscribe: ["re/#"])
        defer { subscriber.stop() }
        #expect(inbox.connects == [false])

        if killed { broker.kill() }
        try await broker.restart()
        try await inbox.waitForConnects(2)
        try await inbox.waitForSubscribed(2)
        #expect(inbox.events.withLock { $0 }.contains { if case .disconnected(_, _, true) = $0 { true } else { false } })

        let (publisher, _) = try await startClient(broker, id: "re-pub", cleanSession: true)
        defer { publisher.stop() }
        try publisher.publish(topic: "re/after", payload: "after restart", qos: .atLeastOnce)
        let messages = try await inbox.waitForMessages(on: "re/after", count: 1)
        #expect(messages[0].payloadString == "after restart")
        #expect(subscriber.isConnected)
    }
}
