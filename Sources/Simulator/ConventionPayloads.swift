import Foundation

/// Which firmware the simulated fleet imitates (`mash-gateway simulate --convention`).
public enum SimulatedConvention: String, Sendable, CaseIterable {
    /// The gateway's own topics, rotating through every payload form.
    case native
    /// ESPHome: one plain value per `{device}/sensor/{id}/state` topic, `{device}/status` birth and will.
    case esphome
    /// Tasmota: `tele/{device}/SENSOR` JSON with local `Time`, `tele/{device}/STATE`, `tele/{device}/LWT`.
    case tasmota
}

/// Topics and payloads as ESPHome and Tasmota firmware publish them (contract §7).
enum ConventionPayloads {
    static func esphomeStatus(_ device: SimulatedDevice) -> String { "\(device.topicKey)/status" }

    /// ESPHome publishes each sensor on its own topic; object ids here are the sensor type names.
    static func esphomeState(_ device: SimulatedDevice, sensor i: Int) -> (topic: String, payload: String) {
        ("\(device.topicKey)/sensor/\(device.kind.sensors[i].name)/state", device.formatted(i))
    }

    static func tasmotaLWT(_ device: SimulatedDevice) -> String { "tele/\(device.topicKey)/LWT" }

    /// `{"Time":"…","<chip>":{"Temperature":21.5,…},"TempUnit":"C"}` with `Time` in the device's zone.
    static func tasmotaSensor(_ device: SimulatedDevice, time: String) -> (topic: String, payload: String) {
        let leaves = device.kind.sensors.indices.map { "\"\(leafKey(device.kind.sensors[$0].name))\":\(device.formatted($0))" }
        let payload = "{\"Time\":\"\(time)\",\"\(chip(device.kind))\":{\(leaves.joined(separator: ","))},\"TempUnit\":\"C\"}"
        return ("tele/\(device.topicKey)/SENSOR", payload)
    }

    static func tasmotaState(_ device: SimulatedDevice, time: String) -> (topic: String, payload: String) {
        let signal = -50 - device.index % 40
        let payload = "{\"Time\":\"\(time)\",\"Uptime\":\"0T00:00:00\",\"UptimeSec\":\(device.uptimeSeconds),\"Heap\":25,"
            + "\"Wifi\":{\"AP\":1,\"SSId\":\"mash\",\"RSSI\":\(min(100, 2 * (signal + 100))),\"Signal\":\(signal),\"LinkCount\":1}}"
        return ("tele/\(device.topicKey)/STATE", payload)
    }

    /// Tasmota's capitalised leaf (`Temperature`, `Pm2_5`); the gateway lower-cases it back.
    static func leafKey(_ sensor: String) -> String { sensor.prefix(1).uppercased() + sensor.dropFirst() }

    static func chip(_ kind: SimulatedDevice.Kind) -> String {
        switch kind {
        case .environment: "BME280"
        case .airQuality: "SCD40"
        case .powerMeter: "ENERGY"
        }
    }
}

/// Formats wall-clock instants as Tasmota's local `Time` (`2026-12-04T10:00:00`) in one zone.
final class LocalTimeFormatter: @unchecked Sendable {
    private let formatter: DateFormatter

    init(zone: String) {
        formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: zone) ?? TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss"
    }

    func string(millis: Int64) -> String { formatter.string(from: Date(timeIntervalSince1970: Double(millis) / 1000)) }
}
