import Telemetry

/// The payload shapes real fleets send (CONTRACT §3), rotated so every decoder path is exercised.
enum TelemetryPayloads {
    /// Form A with an RFC 3339 timestamp.
    static func formA(_ device: SimulatedDevice, nowMillis: Int64) -> String {
        let readings = device.kind.sensors.indices.map { "\"\(device.kind.sensors[$0].name)\":\(device.formatted($0))" }
        return "{\"ts\":\"\(rfc3339(nowMillis))\",\"readings\":{\(readings.joined(separator: ","))}}"
    }

    /// Form B with per-reading quality and metadata, epoch-millisecond timestamps.
    static func formB(_ device: SimulatedDevice, nowMillis: Int64) -> String {
        let readings = device.kind.sensors.indices.map {
            "{\"sensor\":\"\(device.kind.sensors[$0].name)\",\"value\":\(device.formatted($0)),\"quality\":\"good\",\"ts\":\(nowMillis),\"metadata\":{\"fw\":\"1.4.2\"}}"
        }
        return "{\"ts\":\(nowMillis),\"readings\":[\(readings.joined(separator: ","))]}"
    }

    /// Form C: flat, with an epoch-seconds timestamp (as Tasmota-like firmware sends).
    static func formC(_ device: SimulatedDevice, nowMillis: Int64) -> String {
        let readings = device.kind.sensors.indices.map { "\"\(device.kind.sensors[$0].name)\":\(device.formatted($0))" }
        let seconds = Double(nowMillis) / 1000
        return "{\"ts\":\(seconds),\(readings.joined(separator: ","))}"
    }

    static func heartbeat(_ device: SimulatedDevice) -> String {
        "{\"uptime_s\":\(device.uptimeSeconds),\"firmware\":\"1.4.2\",\"rssi\":\(-50 - device.index % 40)}"
    }

    static func rfc3339(_ millis: Int64) -> String {
        TelemetryTime.formatRFC3339(millis * 1000)
    }
}
