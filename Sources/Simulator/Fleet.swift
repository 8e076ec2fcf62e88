import ConnectionURL
import Foundation
import Logging
import MQTT
import Postgres
import Synchronization

/// What `mash-gateway simulate` runs: many devices behind one MQTT connection.
public struct FleetOptions: Sendable {
    public var devices: Int
    /// Readings per second across the whole fleet.
    public var rate: Double
    /// Nil: until cancelled.
    public var duration: Duration?
    public var mqttURL: String
    /// When set, the simulated devices are registered in `devices` first (idempotent), so the
    /// gateway accepts their telemetry with `unknown_devices: reject`.
    public var databaseURL: String?
    /// Serial numbers are `<prefix>-00001` …
    public var prefix: String
    public var heartbeatInterval: Duration
    /// Publish each device's `offline` status at the end, as its will would.
    public var offlineAtEnd: Bool
    public var seed: UInt64
    /// When set, every device logs in on its own connection as its serial number with this password
    /// (and always uses its serial in its topics), as a broker ACL of `devices/%u/#` requires;
    /// otherwise the whole fleet shares one connection with `mqttURL`'s login.
    public var devicePassword: String?
    /// The firmware the devices imitate.
    public var convention: SimulatedConvention
    /// The devices' `timezone` (registered with them): Tasmota's `Time` is local time in it.
    public var timezone: String

    public init(
        devices: Int, rate: Double, duration: Duration? = nil, mqttURL: String, databaseURL: String? = nil,
        prefix: String = "sim", heartbeatInterval: Duration = .seconds(30), offlineAtEnd: Bool = true, seed: UInt64 = 42,
        devicePassword: String? = nil,
        convention: SimulatedConvention = .native, timezone: String = "UTC"
    ) {
        self.convention = convention
        self.timezone = timezone
        self.devices = devices
        self.rate = rate
        self.duration = duration
        self.mqttURL = mqttURL
        self.databaseURL = databaseURL
        self.prefix = prefix
        self.heartbeatInterval = heartbeatInterval
        self.offlineAtEnd = offlineAtEnd
        self.seed = seed
        self.devicePassword = devicePassword
    }
}

/// What a fleet run did.
public struct FleetReport: Sendable, CustomStringConvertible {
    public var messages = 0
    public var readings = 0
    public var heartbeats = 0
    public var commandsAnswered = 0
    public var elapsed: Duration = .zero

    public var description: String {
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let rate = seconds > 0 ? Int(Double(readings) / seconds) : 0
        return "published \(messages) messages with \(readings) readings (\(rate) readings/s), \(heartbeats) heartbeats; answered \(commandsAnswered) commands"
    }
}

/// A simulated fleet of ESP32 / Raspberry Pi devices publishing telemetry and answering commands.
///
/// All devices share one MQTT connection (one socket and thread instead of thousands), unless
/// `devicePassword` gives each its own login and connection; each device has its own topics,
/// values, heartbeat schedule and status. Native telemetry rotates through every payload form of the
/// contract; with ``SimulatedConvention/esphome`` or ``SimulatedConvention/tasmota`` the devices
/// publish as that firmware does (contract §7). Commands on `devices/+/commands/+` are
/// acknowledged and completed (a command whose type is `fail` fails), as firmware would.
public final class Fleet: Sendable {
    private let options: FleetOptions
    private let logger: Logger
    private let answered = Atomic<Int>(0)
    private let localTime: LocalTimeFormatter

    public init(options: FleetOptions, logger: Logger) {
        self.localTime = LocalTimeFormatter(zone: options.timezone)
        self.options = options
        self.logger = logger
    }

    /// Registers the fleet's `devices` rows, as `run()` does first with `databaseURL`, without touching the
    /// broker: a benchmark can then start a gateway on an already registered fleet.
    public func registerDevices(databaseURL: String) throws {
        var random = SplitMix64(seed: options.seed)
        try register((1...max(options.devices, 1)).map { SimulatedDevice(index: $0, prefix: options.prefix, random: &random) },
                     databaseURL: databaseURL)
    }

    public func run() async throws -> FleetReport {
        var random = SplitMix64(seed: options.seed)
        var devices = (1...max(options.devices, 1)).map { SimulatedDevice(index: $0, prefix: options.prefix, random: &random) }
        if options.devicePassword != nil {
            // The broker user is the serial, and the ACL allows only devices/<user>/…
            for i in devices.indices { devices[i].topicKey = devices[i].serial }
        }
        if let databaseURL = options.databaseURL {
            try register(devices, databaseURL: databaseURL)
        }
        let clients: [MQTTClient]
        if let password = options.devicePassword {
            _ = try MQTTURL(parsing: options.mqttURL)  // a bad URL is one clear error, before any connection
            clients = try devices.map { device in
                try makeClient(url: replacingLogin(in: options.mqttURL, user: device.serial, password: password) ?? options.mqttURL,
                               clientID: device.serial, commandFilter: "devices/\(device.serial)/commands/+")
            }
        } else {
            clients = [try makeClient(url: options.mqttURL, clientID: "mash-sim-\(getpid())", commandFilter: "devices/+/commands/+")]
        }
        for client in clients { try client.start() }
        for client in clients { try await client.waitForConnection(timeout: .seconds(30)) }
        func clientFor(_ index: Int) -> MQTTClient { clients[clients.count == 1 ? 0 : index] }
        for (i, device) in devices.enumerated() {
            _ = try? clientFor(i).publish(topic: statusTopic(device), payload: options.convention == .tasmota ? "Online" : "online",
                                          qos: .atLeastOnce, retain: true)
        }
        if options.convention == .tasmota, options.rate / 4 > Double(devices.count) {
            logger.warning("each device sends more than one SENSOR message per second; Tasmota's Time has whole seconds, so readings of one second are stored once")
        }
        logger.info("fleet started", metadata: ["devices": "\(devices.count)", "rate": "\(options.rate) readings/s"])

        let clock = ContinuousClock()
        let start = clock.now
        var report = FleetReport()
        var nextDevice = 0
        var messageNumber = 0
        var nextHeartbeat = 0
        // A device never stamps two messages with the same millisecond (a real one reads its sensors at most
        // once per stamp); after a stall the catch-up burst would otherwise repeat a stamp, and the gateway
        // rightly stores such a repeat once.
        var lastStamp = [Int64](repeating: 0, count: devices.count)
        var lastProgress = start
        let heartbeatPerSecond = Double(devices.count) / max(seconds(options.heartbeatInterval), 0.001)
        while !Task.isCancelled {
            let elapsed = clock.now - start
            if let duration = options.duration, elapsed >= duration { break }
            let elapsedSeconds = seconds(elapsed)
            let nowMillis = Int64(Date().timeIntervalSince1970 * 1000)
            // Readings due so far at the configured rate; publish whole messages until caught up.
            while Double(report.readings) < options.rate * elapsedSeconds {
                devices[nextDevice].step(random: &random)
                let device = devices[nextDevice]
                let stamp = max(nowMillis, lastStamp[nextDevice] + 1)
                lastStamp[nextDevice] = stamp
                let sent = publishTelemetry(device, variant: messageNumber, nowMillis: stamp, client: clientFor(nextDevice))
                report.messages += sent.messages
                report.readings += sent.readings
                messageNumber += 1
                nextDevice = (nextDevice + 1) % devices.count
            }
            while Double(report.heartbeats) < heartbeatPerSecond * elapsedSeconds {
                devices[nextHeartbeat].uptimeSeconds = Int(elapsedSeconds)
                let device = devices[nextHeartbeat]
                switch options.convention {
                case .native:
                    _ = try? clientFor(nextHeartbeat).publish(topic: "devices/\(device.topicKey)/heartbeat", payload: TelemetryPayloads.heartbeat(device), qos: .atLeastOnce)
                case .esphome:
                    break  // ESPHome has no heartbeat topic: its readings and status are its signs of life
                case .tasmota:
                    let state = ConventionPayloads.tasmotaState(device, time: localTime.string(millis: nowMillis))
                    _ = try? clientFor(nextHeartbeat).publish(topic: state.topic, payload: state.payload, qos: .atLeastOnce)
                }
                report.heartbeats += 1
                nextHeartbeat = (nextHeartbeat + 1) % devices.count
            }
            if clock.now - lastProgress >= .seconds(5) {
                lastProgress = clock.now
                report.commandsAnswered = answered.load(ordering: .relaxed)
                report.elapsed = clock.now - start
                logger.info("fleet progress", metadata: ["report": "\(report)"])
            }
            try? await Task.sleep(for: .milliseconds(10))
        }
        var last: MQTTOutgoingMessage?
        if options.offlineAtEnd {
            let offline = Array((options.convention == .tasmota ? "Offline" : "offline").utf8)
            for (i, device) in devices.enumerated().dropLast() {
                _ = try? clientFor(i).publish(topic: statusTopic(device), payload: offline, qos: .atLeastOnce, retain: true)
            }
            last = devices.last.map { MQTTOutgoingMessage(topic: statusTopic($0), payload: offline, qos: .atLeastOnce, retain: true) }
        }
        report.elapsed = clock.now - start
        report.commandsAnswered = answered.load(ordering: .relaxed)
        // Waits (bounded) for the broker to acknowledge what is still in flight. The last status goes out as
        // the final message of the last connection, acknowledged after everything published before it on it.
        for (i, client) in clients.enumerated() {
            client.stop(finalMessage: i == clients.count - 1 ? last : nil, timeout: .seconds(10))
        }
        return report
    }

    /// Where the device's birth and will go.
    private func statusTopic(_ device: SimulatedDevice) -> String {
        switch options.convention {
        case .native: "devices/\(device.topicKey)/status"
        case .esphome: ConventionPayloads.esphomeStatus(device)
        case .tasmota: ConventionPayloads.tasmotaLWT(device)
        }
    }

    private func publishTelemetry(_ device: SimulatedDevice, variant: Int, nowMillis: Int64, client: MQTTClient) -> (messages: Int, readings: Int) {
        switch options.convention {
        case .native: break
        case .esphome:
            for i in device.kind.sensors.indices {
                let state = ConventionPayloads.esphomeState(device, sensor: i)
                _ = try? client.publish(topic: state.topic, payload: state.payload, qos: .atLeastOnce)
            }
            return (device.kind.sensors.count, device.kind.sensors.count)
        case .tasmota:
            let sensor = ConventionPayloads.tasmotaSensor(device, time: localTime.string(millis: nowMillis))
            _ = try? client.publish(topic: sensor.topic, payload: sensor.payload, qos: .atLeastOnce)
            return (1, device.kind.sensors.count)
        }
        let telemetry = "devices/\(device.topicKey)/telemetry"
        switch variant % 10 {
        case 0...4:
            _ = try? client.publish(topic: telemetry, payload: TelemetryPayloads.formA(device, nowMillis: nowMillis), qos: .atLeastOnce)
        case 5, 6:
            _ = try? client.publish(topic: telemetry, payload: TelemetryPayloads.formB(device, nowMillis: nowMillis), qos: .atLeastOnce)
        case 7, 8:
            _ = try? client.publish(topic: telemetry, payload: TelemetryPayloads.formC(device, nowMillis: nowMillis), qos: .atLeastOnce)
        default:
            // ESPHome style: one plain value per sensor topic, stamped by the gateway on receipt.
            for i in device.kind.sensors.indices {
                _ = try? client.publish(
                    topic: "devices/\(device.topicKey)/sensors/\(device.kind.sensors[i].name)", payload: device.formatted(i), qos: .atLeastOnce)
            }
            return (device.kind.sensors.count, device.kind.sensors.count)
        }
        return (1, device.kind.sensors.count)
    }

    private func makeClient(url: String, clientID: String, commandFilter: String) throws -> MQTTClient {
        let holder = Mutex<MQTTClient?>(nil)
        let client = try MQTTClient(
            options: MQTTClient.Options(
                url: url, clientID: clientID, cleanSession: true,
                reconnectDelayMin: .milliseconds(200), reconnectDelayMax: .seconds(2), maxInflightMessages: 1000),
            logger: logger,
            onEvent: nil,
            onMessage: { [self] view in
                // devices/{key}/commands/{id}: acknowledge, then report the result.
                let parts = view.topicString.split(separator: "/", omittingEmptySubsequences: false)
                guard parts.count == 4, parts[0] == "devices", parts[2] == "commands", let client = holder.withLock({ $0 }) else { return }
                let base = "devices/\(parts[1])/commands/\(parts[3])"
                let payload = String(decoding: view.payload, as: UTF8.self)
                let fails = payload.contains("\"type\":\"fail\"")
                _ = try? client.publish(topic: "\(base)/ack", payload: "", qos: .atLeastOnce)
                _ = try? client.publish(
                    topic: "\(base)/result",
                    payload: fails ? "{\"status\":\"failed\",\"error\":\"simulated failure\"}" : "{\"status\":\"completed\",\"data\":{}}",
                    qos: .atLeastOnce)
                answered.add(1, ordering: .relaxed)
            }
        )
        holder.withLock { $0 = client }
        try client.subscribe(commandFilter, qos: .atLeastOnce)
        return client
    }

    /// Inserts the fleet's `devices` rows that are missing (owned by the seeded admin when present).
    private func register(_ devices: [SimulatedDevice], databaseURL: String) throws {
        let connection = try PostgresConnection.connect(databaseURL, applicationName: "mash-gateway simulate")
        defer { connection.close() }
        let rows = try connection.execute(
            """
            INSERT INTO devices (name, device_type, serial_number, mac_address, user_id, model, timezone)
            SELECT s, t, s, m, (SELECT id FROM users WHERE email = 'admin@localhost' AND deleted_at IS NULL), 'simulated', $4
            FROM unnest($1::text[], $2::text[], $3::text[]) AS u(s, t, m)
            ON CONFLICT DO NOTHING
            """,
            [SQLText.plainArray(devices.map(\.serial)), SQLText.plainArray(devices.map(\.kind.deviceType)), SQLText.plainArray(devices.map(\.mac)),
             options.timezone]
        )
        logger.info("fleet devices registered", metadata: ["added": "\(rows.affectedRows)", "devices": "\(devices.count)"])
    }
}

private func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

/// A small seeded generator: a fleet with the same seed publishes the same values.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
