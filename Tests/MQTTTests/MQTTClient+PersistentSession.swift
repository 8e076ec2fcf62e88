@_spi(Testing) import MQTT
import Testing
import TestSupport

@Suite("MQTTClient persistent sessions")
struct MQTTClientPersistentSessionTests {
    /// Publishes `count` QoS 1 messages and waits for every PUBACK, so the broker holds them.
    private func publishAcknowledged(_ broker: TestBroker, topic: String, count: Int) async throws {
        let (publisher, events) = try await startClient(broker, id: "ps-pub-\(topic)", cleanSession: true)
        defer { publisher.stop() }
        var ids: Set<Int32> = []
        for i in 0..<count { ids.insert(try publisher.publish(topic: topic, payload: "m\(i)", qos: .atLeastOnce)) }
        try await waitUntil("\(count) PUBACKs") { events.publishedIDs.isSuperset(of: ids) }
    }

    @Test(arguments: [MQTTClient.ProtocolVersion.v311, .v5])
    func messagesPublishedWhileStoppedAreDeliveredOnReturn(_ version: MQTTClient.ProtocolVersion) async throws {
        let broker = try await TestBroker.start()
        let id = "ps-\(version)"
        let (first, _) = try await startClient(broker, id: id, protocolVersion: version, subscribe: ["ps/data"])
        first.stop()

        try await publishAcknowledged(broker, topic: "ps/data", count: 50)

        // The second instance does not subscribe: the broker's session still has the subscription.
        let (second, inbox) = try await startClient(broker, id: id, protocolVersion: version)
        defer { second.stop() }
        #expect(inbox.connects == [true])
        let messages = try await inbox.waitForMessages(on: "ps/data", count: 50)
        #expect(messages.distinctPayloads == (0..<50).map { "m\($0)" })
    }

    /// Without the session-expiry property an MQTT v5 broker ends the session at disconnect.
    @Test func v5WithoutSessionExpiryLosesTheSession() async throws {
        let broker = try await TestBroker.start()
        let (first, _) = try await startClient(broker, id: "ps-v5-noexp", protocolVersion: .v5, sessionExpiryInterval: 0, subscribe: ["nx/data"])
        first.stop()
        try await publishAcknowledged(broker, topic: "nx/data", count: 5)

        let (second, inbox) = try await startClient(broker, id: "ps-v5-noexp", protocolVersion: .v5, sessionExpiryInterval: 0, subscribe: ["nx/#"])
        defer { second.stop() }
        #expect(inbox.connects == [false])
        // Anything left from a session would be delivered before this marker.
        try await publishAcknowledged(broker, topic: "nx/marker", count: 1)
        try await inbox.waitForMessages(on: "nx/marker", count: 1)
        #expect(inbox.received(on: "nx/data").isEmpty)
    }

    /// libmosquitto must re-send the session-expiry property on every reconnect; if it did not,
    /// the session would end at the second drop and these messages would be lost.
    @Test func v5SessionSurvivesRepeatedConnectionDrops() async throws {
        let broker = try await TestBroker.start()
        let (client, inbox) = try await startClient(broker, id: "ps-v5-drop", protocolVersion: .v5, subscribe: ["dr/data"])
        defer { client.stop() }

        client.dropConnectionForTesting()
        try await inbox.waitForConnects(2)
        client.dropConnectionForTesting()
        try await waitUntil("the broker to notice the second drop") {
            occurrences(of: "ps-v5-drop closed its connection", in: broker.log()) >= 2
        }
        try await publishAcknowledged(broker, topic: "dr/data", count: 20)
        try await inbox.waitForConnects(3)
        #expect(inbox.connects == [false, true, true])
        let messages = try await inbox.waitForMessages(on: "dr/data", count: 20)
        #expect(Set(messages.map(\.payloadString)) == Set((0..<20).map { "m\($0)" }))
    }
}
