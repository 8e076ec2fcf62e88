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
        let seconds = millis / 1000
        let days = seconds / 86_400
        let secondOfDay = seconds % 86_400
        // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let ms = millis % 1000
        let msText = ms < 10 ? "00\(ms)" : (ms < 100 ? "0\(ms)" : "\(ms)")
        return "\(year)-\(two(month))-\(two(day))T\(two(secondOfDay / 3600)):\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60)).\(msText)Z"
    }
}
