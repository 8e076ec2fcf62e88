import Logging
@_spi(Testing) import MQTT
import Synchronization
import TestSupport

/// Collects what a client's handlers receive, for polling with deadlines.
final class Recorder: Sendable {
    let messages = Mutex<[MQTTMessage]>([])
    let events = Mutex<[MQTTEvent]>([])

    var messageHandler: MQTTClient.MessageHandler {
        { [self] view in
            let message = view.copy()
            messages.withLock { $0.append(message) }
        }
    }

    var eventHandler: MQTTClient.EventHandler {
        { [self] event in events.withLock { $0.append(event) } }
    }

    var received: [MQTTMessage] { messages.withLock { $0 } }

    func received(on topic: String) -> [MQTTMessage] { received.filter { $0.topic == topic } }

    var connects: [Bool] {
        events.withLock { $0 }.compactMap { if case .connected(let present) = $0 { present } else { nil } }
    }

    var subscribedCount: Int {
        events.withLock { $0 }.filter { if case .subscribed = $0 { true } else { false } }.count
    }

    var publishedIDs: Set<Int32> {
        Set(events.withLock { $0 }.compactMap { if case .published(let id) = $0 { id } else { nil } })
    }

    var refusals: [MQTTError] {
        events.withLock { $0 }.compactMap { if case .connectionRefused(let error) = $0 { error } else { nil } }
    }

    /// Waits until at least `count` distinct payloads arrived on `topic`; returns all messages.
    @discardableResult
    func waitForMessages(on topic: String, count: Int, timeout: Duration = .seconds(20)) async throws -> [MQTTMessage] {
        try await waitUntil("\(count) message(s) on \(topic)", timeout: timeout) {
            received(on: topic).distinctPayloads.count >= count
        }
        return received(on: topic)
    }

    func waitForConnects(_ count: Int, timeout: Duration = .seconds(20)) async throws {
        try await waitUntil("\(count) connect(s) (have \(connects.count))", timeout: timeout) { connects.count >= count }
    }

    func waitForSubscribed(_ count: Int, timeout: Duration = .seconds(20)) async throws {
        try await waitUntil("\(count) SUBACK(s)", timeout: timeout) { subscribedCount >= count }
    }
}

/// A logger that drops everything (tests never bootstrap the global logging system).
let quietLogger = Logger(label: "mqtt-tests", factory: { _ in SwiftLogNoOpLogHandler() })

/// A started client with a recorder; reconnect delays short so restarts are quick.
func startClient(
    _ broker: TestBroker,
    id: String,
    cleanSession: Bool = false,
    protocolVersion: MQTTClient.ProtocolVersion = .v311,
    sessionExpiryInterval: UInt32 = .max,
    will: MQTTClient.Will? = nil,
    url: String? = nil,
    subscribe filters: [String] = [],
    waitConnected: Bool = true
) async throws -> (MQTTClient, Recorder) {
    let recorder = Recorder()
    let options = MQTTClient.Options(
        url: url ?? broker.url, clientID: id, cleanSession: cleanSession, protocolVersion: protocolVersion,
        sessionExpiryInterval: sessionExpiryInterval, will: will,
        reconnectDelayMin: .seconds(1), reconnectDelayMax: .seconds(2))
    let client = try MQTTClient(options: options, logger: quietLogger, onEvent: recorder.eventHandler, onMessage: recorder.messageHandler)
    for filter in filters { try client.subscribe(filter, qos: .atLeastOnce) }
    try client.start()
    if waitConnected {
        try await client.waitForConnection(timeout: .seconds(10))
        try await recorder.waitForConnects(1)
        if !filters.isEmpty { try await recorder.waitForSubscribed(filters.count) }
    }
    return (client, recorder)
}

/// How many times the broker has logged `text`.
func occurrences(of text: String, in log: String) -> Int {
    log.split(separator: "\n").filter { $0.contains(text) }.count
}

extension Array where Element == MQTTMessage {
    /// Payloads in arrival order without redelivered duplicates (QoS 1 is at-least-once).
    var distinctPayloads: [String] {
        var seen = Set<String>()
        return map(\.payloadString).filter { seen.insert($0).inserted }
    }
}
