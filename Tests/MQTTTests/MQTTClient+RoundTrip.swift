import Logging
import MQTT
import Synchronization
import Testing
import TestSupport

@Suite("MQTTClient publish/subscribe round trip")
struct MQTTClientRoundTripTests {
    @Test func qos0AndQos1MessagesArriveInOrder() async throws {
        let broker = try await TestBroker.start()
        let (subscriber, inbox) = try await startClient(broker, id: "rt-sub", subscribe: ["rt/#"])
        let (publisher, _) = try await startClient(broker, id: "rt-pub")
        defer { publisher.stop(); subscriber.stop() }

        for i in 0..<20 { try publisher.publish(topic: "rt/q0", payload: "zero-\(i)", qos: .atMostOnce) }
        for i in 0..<20 { try publisher.publish(topic: "rt/q1", payload: "one-\(i)", qos: .atLeastOnce) }

        let q0 = try await inbox.waitForMessages(on: "rt/q0", count: 20)
        let q1 = try await inbox.waitForMessages(on: "rt/q1", count: 20)
        #expect(q0.map(\.payloadString) == (0..<20).map { "zero-\($0)" })
        #expect(q1.distinctPayloads == (0..<20).map { "one-\($0)" })
        #expect(q0.allSatisfy { $0.qos == .atMostOnce && !$0.retain && $0.messageID == 0 })
        #expect(q1.allSatisfy { $0.qos == .atLeastOnce && !$0.retain && $0.messageID != 0 })
    }

    @Test func retainedMessageReachesALaterSubscriber() async throws {
        let broker = try await TestBroker.start()
        let (publisher, published) = try await startClient(broker, id: "ret-pub")
        defer { publisher.stop() }
        let id = try publisher.publish(topic: "status/gw", payload: "online", qos: .atLeastOnce, retain: true)
        try await waitUntil("PUBACK for the retained message") { published.publishedIDs.contains(id) }

        let (late, inbox) = try await startClient(broker, id: "ret-late", subscribe: ["status/+"])
        defer { late.stop() }
        let messages = try await inbox.waitForMessages(on: "status/gw", count: 1)
        #expect(messages[0].payloadString == "online")
        #expect(messages[0].retain)
    }

    @Test func binaryAndLargePayloadsArriveIntact() async throws {
        let broker = try await TestBroker.start()
        let (subscriber, inbox) = try await startClient(broker, id: "bin-sub", subscribe: ["bin/#"])
        let (publisher, _) = try await startClient(broker, id: "bin-pub")
        defer { publisher.stop(); subscriber.stop() }

        let binary: [UInt8] = [0, 1, 0, 0, 255, 0, 127, 0]
        let large = (0..<200 * 1024).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) }
        try publisher.publish(topic: "bin/zeros", payload: binary)
        try large.withUnsafeBytes { bytes in
            _ = try publisher.publish(topic: "bin/large", payload: bytes, qos: .atLeastOnce)
        }
        try publisher.publish(topic: "bin/empty", payload: [UInt8](), qos: .atMostOnce)

        #expect(try await inbox.waitForMessages(on: "bin/zeros", count: 1)[0].payload == binary)
        #expect(try await inbox.waitForMessages(on: "bin/large", count: 1)[0].payload == large)
        #expect(try await inbox.waitForMessages(on: "bin/empty", count: 1)[0].payload == [])
    }

    @Test func theBorrowedViewSeesTopicAndPayloadWithoutCopying() async throws {
        let broker = try await TestBroker.start()
        let seen = Mutex<[String]>([])
        let options = MQTTClient.Options(url: broker.url, clientID: "view-sub")
        let client = try MQTTClient(options: options, logger: quietLogger) { view in
            // Only bytes are read here; nothing escapes the call.
            let topicOK = view.topic.elementsEqual("view/t".utf8)
            let sum = view.payload.reduce(0) { $0 + Int($1) }
            seen.withLock { $0.append("\(topicOK) \(view.payload.count) \(sum) \(view.qos)") }
        }
        defer { client.stop() }
        try client.subscribe("view/t", qos: .atLeastOnce)
        try client.start()
        try await client.waitForConnection()
        let (publisher, _) = try await startClient(broker, id: "view-pub")
        defer { publisher.stop() }
        try await waitUntil("the subscription to be active") {
            try publisher.publish(topic: "view/t", payload: [1, 2, 3], qos: .atLeastOnce)
            try await Task.sleep(for: .milliseconds(50))
            return !seen.withLock { $0.isEmpty }
        }
        #expect(seen.withLock { $0 }.first == "true 3 6 atLeastOnce")
    }

    @Test func libmosquittoLogLinesReachTheLoggerAtDebugLevel() async throws {
        let broker = try await TestBroker.start()
        let lines = LineBox()
        var logger = Logger(label: "capture", factory: { _ in CapturingLogHandler(lines: lines) })
        logger.logLevel = .debug
        let client = try MQTTClient(options: .init(url: broker.url, clientID: "logs"), logger: logger) { _ in }
        defer { client.stop() }
        try client.start()
        try await client.waitForConnection()
        try await waitUntil("a CONNACK log line") { lines.lines.withLock { $0 }.contains { $0.contains("CONNACK") } }
    }
}

/// Log lines captured by `CapturingLogHandler`.
final class LineBox: Sendable {
    let lines = Mutex<[String]>([])
}

/// Keeps log lines in memory (tests never bootstrap LoggingSystem).
struct CapturingLogHandler: LogHandler {
    let lines: LineBox
    var logLevel: Logger.Level = .debug
    var metadata: Logger.Metadata = [:]
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) {
        lines.lines.withLock { $0.append("\(event.level) \(event.message)") }
    }
}
