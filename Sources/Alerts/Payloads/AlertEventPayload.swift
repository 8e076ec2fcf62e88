import Foundation

/// The `alerts/{device}` message of one alert event (CONTRACT §3): threshold alerts, operators'
/// acknowledge/resolve, and (converted by the gateway) presence's `device_offline` alerts.
extension AlertNotice {
    /// `alerts/{device}`.
    public var topic: String { "alerts/\(deviceKey)" }

    /// `{"alert_id","event","alert_type","severity","escalation_level","title","current_value"}`,
    /// keys sorted; `current_value` is null when nothing was measured (a `device_offline` alert).
    public var payload: String {
        let object: [String: Any] = [
            "alert_id": alertID,
            "event": event.rawValue,
            "alert_type": alertType,
            "severity": severity,
            "escalation_level": escalationLevel,
            "title": title,
            "current_value": currentValue.map { $0 as Any } ?? NSNull(),
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
