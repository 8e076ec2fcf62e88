import MQTT
import Synchronization
import Testing
import TestSupport

@Suite("MQTTClient lifecycle and threads")
struct MQTTClientLifecycleTests {
    /// A daemon stopping during a broker outage must not wait out the reconnect backoff.
    @Test func stopDuringReconnectBackoffReturnsPromptly() async throws {
        let reserved = try HeldLoopbackPort()
        defer { reserved.close() }
        let port = reserved.port
        let client = try MQTTClient(
            options: .init(url: "mqtt://127.0.0.1:\(port)", clientID: "backoff", reconnectDelayMin: .seconds(30), reconnectDelayMax: .seconds(60)),
            logger: quietLogger) { _ in }
        try client.start()
        try await Task.sleep(for: .milliseconds(200))  // let the loop thread enter its backoff sleep
        let clock = ContinuousClock()
        let took = clock.measure { client.stop() }
        #expect(took < .seconds(2), "stop() took \(took)")
    }

    @Test func releasingAStartedClientDisconnectsCleanly() async throws {
        let broker = try await TestBroker.start()
        do {
            let (client, _) = try await startClient(broker, id: "dropped")
            #expect(client.isConnected)
        }  // last reference gone: deinit stops and destroys
        try await waitUntil("the broker to log the clean disconnect") {
            occurrences(of: "Client dropped disconnected", in: broker.log()) == 1
        }
    }

    @Test func publishingFromManyThreadsAtOnceLosesNothing() async throws {
        let broker = try await TestBroker.start()
        let (subscriber, inbox) = try await startClient(broker, id: "mt-sub", subscribe: ["mt/+"])
        let (publisher, _) = try await startClient(broker, id: "mt-pub")
        defer { publisher.stop(); subscriber.stop() }

        let threads = 4, perThread = 500
        try await withThrowingTaskGroup(of: Void.self) { group in
            for t in 0..<threads {
                group.addTask {
                    for i in 0..<perThread { try publisher.publish(topic: "mt/\(t)", payload: "\(i)", qos: .atLeastOnce) }
                }
            }
            try await group.waitForAll()
        }
        for t in 0..<threads {
            let expected = (0..<perThread).map { "\($0)" }
            try await waitUntil("all \(perThread) distinct messages on mt/\(t)") {
                Set(inbox.received(on: "mt/\(t)").map(\.payloadString)).count == perThread
            }
            // QoS 1 is at-least-once: a redelivered duplicate is legal (it was seen once in
            // dozens of runs under load), so check that nothing is lost and that first
            // deliveries keep each publisher's order.
            #expect(inbox.received(on: "mt/\(t)").distinctPayloads == expected, "per-publisher order on mt/\(t)")
        }
    }

    /// QoS 1 messages published while the broker is down are kept by libmosquitto and sent
    /// after the reconnect (what the gateway relies on for commands during an outage).
    @Test func qos1PublishedWhileDisconnectedIsSentAfterReconnect() async throws {
        let broker = try await TestBroker.start()
        let (subscriber, inbox) = try await startClient(broker, id: "off-sub", subscribe: ["off/t"])
        let (publisher, publisherEvents) = try await startClient(broker, id: "off-pub")
        defer { publisher.stop(); subscriber.stop() }

        await broker.stop()
        try await waitUntil("the publisher to notice the outage") { !publisher.isConnected }
        let id = try publisher.publish(topic: "off/t", payload: "while down", qos: .atLeastOnce)
        #expect(throws: MQTTError.self) { try publisher.publish(topic: "off/t", payload: "qos0", qos: .atMostOnce) }
        try await broker.restart()
        try await waitUntil("the PUBACK after reconnect") { publisherEvents.publishedIDs.contains(id) }
        let messages = try await inbox.waitForMessages(on: "off/t", count: 1)
        #expect(messages.map(\.payloadString) == ["while down"])
    }
}
