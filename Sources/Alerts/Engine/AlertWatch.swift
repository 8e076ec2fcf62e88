import DeviceRegistry
import GatewayConfig
import Synchronization

/// The sensors some alert rule watches, per device: the ingest hot path's filter.
///
/// Asked once per telemetry message. A device without `alert_rules` in its configuration (the
/// usual case) costs a substring check and gets the configured set, or nil when no rule exists
/// at all, so ingestion without rules does no per-reading work. A device's own rules are parsed
/// once per configuration text and cached under a short lock.
public final class AlertWatch: Sendable {
    private let configured: [AlertRule]
    private let configuredSensors: Set<String>
    private let perDevice = Mutex<[PackedUUID: (configuration: String, sensors: Set<String>)]>([:])

    public init(configured: [AlertRule]) {
        self.configured = configured
        self.configuredSensors = Set(configured.map { $0.sensor.lowercased() })
    }

    /// Lowercased sensor names to hand to the alert worker for `device`; nil when none.
    public func sensors(for device: DeviceRecord) -> Set<String>? {
        guard let configuration = device.configuration, configuration.contains("alert_rules") else {
            return configuredSensors.isEmpty ? nil : configuredSensors
        }
        let sensors = perDevice.withLock { cache -> Set<String> in
            if let cached = cache[device.id], cached.configuration == configuration { return cached.sensors }
            let own = AlertRule.deviceRules(configurationJSON: configuration).rules
            let sensors = Set(AlertRule.merged(configured: configured, device: own).map { $0.sensor.lowercased() })
            if cache.count > 100_000 { cache.removeAll() }
            cache[device.id] = (configuration, sensors)
            return sensors
        }
        return sensors.isEmpty ? nil : sensors
    }
}
