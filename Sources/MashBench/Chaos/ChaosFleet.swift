import Foundation
import Logging
import MQTT
import Synchronization

/// The simulated fleet of `mash-bench chaos`: telemetry at QoS 1 with every PUBACK in the ledger,
/// heartbeats, and devices that acknowledge and answer the commands the gateway sends them.
///
/// Two connections: `telemetry` (clean session; libmosquitto resends what was in flight after a
/// broker restart) carries only readings, so its message ids are the ledger's; `control` (a
/// persistent session, so commands published while it is away wait at the broker) carries
/// heartbeats, acks and results. Devices are `chaos-0001` …; each message is form A with a
/// temperature (following ``ChaosSchedule``) and a humidity, stamped with its publish time in
/// milliseconds, never the same stamp twice per device.
final class ChaosFleet: Sendable {
    let devices: Int
    let rate: Double
    let schedule: ChaosSchedule
    let ledger: ChaosLedger
    private let telemetry: MQTTClient
    private let control: MQTTClient
    private let running = Atomic<Bool>(true)
    private let finished = Atomic<Bool>(false)
    /// Publishes that failed outright (the client refused them): never in the ledger, reported.
    let refused = Atomic<Int>(0)

    static func serial(_ device: Int) -> String { "chaos-" + String(device + 1).leftPadded(to: 4) }

    init(devices: Int, rate: Double, schedule: ChaosSchedule, ledger: ChaosLedger, brokerURL: String) throws {
        self.devices = devices
        self.rate = rate
        self.schedule = schedule
        self.ledger = ledger
        let quiet = Logger(label: "chaos.fleet", factory: { _ in SwiftLogNoOpLogHandler() })
        telemetry = try MQTTClient(
            options: MQTTClient.Options(url: brokerURL, clientID: "chaos-fleet-telemetry", cleanSession: true,
                                        reconnectDelayMin: .milliseconds(200), reconnectDelayMax: .seconds(1), maxInflightMessages: 1000),
            logger: quiet,
            onEvent: { event in
                if case .published(let messageID) = event { ledger.acknowledged(messageID: messageID) }
            },
            onMessage: { _ in })
        let holder = Mutex<MQTTClient?>(nil)
        control = try MQTTClient(
            options: MQTTClient.Options(url: brokerURL, clientID: "chaos-fleet-control", cleanSession: false,
                                        reconnectDelayMin: .milliseconds(200), reconnectDelayMax: .seconds(1), maxInflightMessages: 1000),
            logger: quiet,
            onMessage: { view in
                // devices/{serial}/commands/{id}: count the delivery, acknowledge, then report the result.
                let parts = view.topicString.split(separator: "/", omittingEmptySubsequences: false)
                guard parts.count == 4, parts[0] == "devices", parts[2] == "commands", let client = holder.withLock({ $0 }) else { return }
                let payload = String(decoding: view.payload, as: UTF8.self)
                ledger.commandDelivered(id: String(parts[3]), attempt: Self.attempt(in: payload))
                let base = "devices/\(parts[1])/commands/\(parts[3])"
                let fails = payload.contains("\"type\":\"fail\"")
                _ = try? client.publish(topic: "\(base)/ack", payload: "", qos: .atLeastOnce)
                _ = try? client.publish(
                    topic: "\(base)/result",
                    payload: fails ? #"{"status":"failed","error":"simulated failure"}"# : #"{"status":"completed","data":{}}"#,
                    qos: .atLeastOnce)
            })
        holder.withLock { $0 = control }
        try control.subscribe("devices/+/commands/+", qos: .atLeastOnce)
    }

    /// The `"attempt":N` of a command payload (0 when absent).
    static func attempt(in payload: String) -> Int {
        guard let range = payload.range(of: "\"attempt\":") else { return 0 }
        return Int(payload[range.upperBound...].prefix { $0.isNumber }) ?? 0
    }

    /// Connects both clients and starts publishing on a thread of its own (a steady rate that no
    /// fault injection or database query on the bench's tasks can stall).
    func start() async throws {
        try telemetry.start()
        try control.start()
        try await telemetry.waitForConnection(timeout: .seconds(30))
        try await control.waitForConnection(timeout: .seconds(30))
        let thread = Thread { [self] in
            publishLoop()
            finished.store(true, ordering: .releasing)
        }
        thread.name = "chaos-fleet"
        thread.start()
    }

    /// Stops publishing and waits (bounded) until the broker has acknowledged what is in flight.
    func stopPublishing(timeout: Duration = .seconds(60)) async {
        running.store(false, ordering: .releasing)
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline, !finished.load(ordering: .acquiring) || ledger.unacknowledgedCount > 0 {
            try? await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Disconnects both clients (after `stopPublishing` and the gateway's last command answers).
    func close() {
        telemetry.stop(timeout: .seconds(5))
        control.stop(timeout: .seconds(5))
    }

    private func publishLoop() {
        let serials = (0..<devices).map(Self.serial)
        let topics = serials.map { "devices/\($0)/telemetry" }
        var lastStamp = [Int64](repeating: 0, count: devices)
        var messages = 0
        var heartbeats = 0
        var next = 0
        var nextHeartbeat = 0
        let messageRate = rate / 2  // two readings per message
        let heartbeatRate = Double(devices) / 5  // every device every 5 s
        let began = Date()
        while running.load(ordering: .acquiring) {
            let elapsed = Date().timeIntervalSince(began)
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            while Double(messages) < messageRate * elapsed {
                let device = next
                next = (next + 1) % devices
                let stamp = max(now, lastStamp[device] + 1)
                lastStamp[device] = stamp
                let temperature = String(format: "%.2f", schedule.temperature(device: device, millis: stamp))
                let humidity = String(format: "%.1f", schedule.humidity(device: device, millis: stamp))
                let payload = #"{"ts":\#(stamp),"readings":{"temperature":\#(temperature),"humidity":\#(humidity)}}"#
                let readings = [ChaosReading(device: device, sensor: 0, millis: stamp), ChaosReading(device: device, sensor: 1, millis: stamp)]
                do {
                    try ledger.publish(readings) { try telemetry.publish(topic: topics[device], payload: payload, qos: .atLeastOnce) }
                } catch {
                    refused.add(readings.count, ordering: .relaxed)
                }
                messages += 1
            }
            while Double(heartbeats) < heartbeatRate * elapsed {
                let device = nextHeartbeat
                nextHeartbeat = (nextHeartbeat + 1) % devices
                _ = try? control.publish(topic: "devices/\(serials[device])/heartbeat",
                                         payload: #"{"uptime_s":\#(Int(elapsed)),"firmware":"chaos-1"}"#, qos: .atLeastOnce)
                heartbeats += 1
            }
            usleep(5_000)
        }
    }

    /// Sensor names by the ledger's sensor index.
    static let sensors = ["temperature", "humidity"]
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
