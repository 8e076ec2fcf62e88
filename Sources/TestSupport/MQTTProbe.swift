import Logging
import MQTT
import Synchronization

/// A device, operator or observer played by a test: publishes, and records what it receives.
public final class MQTTProbe: Sendable {
    public let client: MQTTClient
    private let messages = Mutex<[MQTTMessage]>([])

    /// Connects with a clean session (unless `persistent`), subscribes to `filters` and waits for the SUBACKs.
    public static func connect(
        _ url: String,
        id: String = "probe-\(UInt32.random(in: 0...UInt32.max))",
        subscribe filters: [String] = [],
        persistent: Bool = false,
        will: MQTTClient.Will? = nil
    ) async throws -> MQTTProbe {
        let subacks = Atomic<Int>(0)
        let box = Mutex<MQTTProbe?>(nil)
        let pubacks = PubackCount()
        let client = try MQTTClient(
            options: MQTTClient.Options(
                url: url, clientID: id, cleanSession: !persistent, will: will,
                reconnectDelayMin: .milliseconds(200), reconnectDelayMax: .seconds(1)),
            logger: Logger(label: "probe", factory: { _ in SwiftLogNoOpLogHandler() }),
            onEvent: { event in
                if case .subscribed = event { subacks.add(1, ordering: .relaxed) }
                if case .published = event { pubacks.value.add(1, ordering: .relaxed) }
            },
            onMessage: { view in
                let message = view.copy()
                box.withLock { $0 }?.messages.withLock { $0.append(message) }
            }
        )
        let probe = MQTTProbe(client: client, pubacks: pubacks)
        box.withLock { $0 = probe }
        for filter in filters { try client.subscribe(filter, qos: .atLeastOnce) }
        try client.start()
        try await client.waitForConnection(timeout: .seconds(20))
        try await waitUntil("SUBACKs for \(filters)") { subacks.load(ordering: .relaxed) >= filters.count }
        return probe
    }

    private init(client: MQTTClient, pubacks: PubackCount) {
        self.client = client
        self.pubacks = pubacks
    }

    private final class PubackCount: Sendable {
        let value = Atomic<Int>(0)
    }
    private let pubacks: PubackCount

    /// QoS 1 publishes of this probe that the broker has acknowledged (PUBACK) so far.
    public var acknowledgedPublishes: Int { pubacks.value.load(ordering: .relaxed) }

    public var received: [MQTTMessage] { messages.withLock { $0 } }

    public func received(on topic: String) -> [MQTTMessage] { received.filter { $0.topic == topic } }

    /// Waits for a message on `topic` whose payload satisfies `matching`, and returns it.
    @discardableResult
    public func waitForMessage(
        on topic: String,
        timeout: Duration = .seconds(20),
        matching: @escaping (MQTTMessage) -> Bool = { _ in true }
    ) async throws -> MQTTMessage {
        try await waitFor("a message on \(topic) (received so far: \(received(on: topic).map(\.payloadString)))", timeout: timeout) {
            self.received(on: topic).first(where: matching)
        }
    }

    @discardableResult
    public func publish(_ topic: String, _ payload: String, qos: MQTTQoS = .atLeastOnce, retain: Bool = false) throws -> Int32 {
        try client.publish(topic: topic, payload: payload, qos: qos, retain: retain)
    }

    /// Disconnects cleanly (no will).
    public func close() { client.stop() }
}
