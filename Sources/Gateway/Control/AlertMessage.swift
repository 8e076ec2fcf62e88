import Foundation
import Presence

/// The `alerts/{device}` payload (CONTRACT §3) for a `device_offline` alert raised or resolved.
enum AlertMessage {
    /// `{"alert_id","event","alert_type","severity","escalation_level","title","current_value"}`;
    /// `current_value` is null: an offline alert measures nothing.
    static func payload(_ notice: PresenceAlertNotice) -> String {
        let object: [String: Any] = [
            "alert_id": notice.alertID,
            "event": notice.event.rawValue,
            "alert_type": notice.alertType,
            "severity": notice.severity,
            "escalation_level": notice.escalationLevel,
            "title": notice.title,
            "current_value": NSNull(),
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    static func topic(deviceKey: String) -> String { "alerts/\(deviceKey)" }
}
