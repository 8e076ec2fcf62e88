import Alerts
import Foundation
import Presence

/// The `alerts/{device}` payload (CONTRACT §3) and the operator responses to alert actions.
enum AlertMessage {
    /// A `device_offline` alert raised or resolved; `current_value` is null: an offline alert measures nothing.
    static func payload(_ notice: PresenceAlertNotice) -> String {
        payload(alertID: notice.alertID, event: notice.event.rawValue, alertType: notice.alertType, severity: notice.severity,
                escalationLevel: notice.escalationLevel, title: notice.title, currentValue: nil)
    }

    /// A threshold alert event, or an operator's acknowledge/resolve of any alert.
    static func payload(_ notice: AlertNotice) -> String {
        payload(alertID: notice.alertID, event: notice.event.rawValue, alertType: notice.alertType, severity: notice.severity,
                escalationLevel: notice.escalationLevel, title: notice.title, currentValue: notice.currentValue)
    }

    /// `{"alert_id","event","alert_type","severity","escalation_level","title","current_value"}`.
    static func payload(
        alertID: String, event: String, alertType: String, severity: String, escalationLevel: Int, title: String, currentValue: Double?
    ) -> String {
        let object: [String: Any] = [
            "alert_id": alertID,
            "event": event,
            "alert_type": alertType,
            "severity": severity,
            "escalation_level": escalationLevel,
            "title": title,
            "current_value": currentValue.map { $0 as Any } ?? NSNull(),
        ]
        return json(object)
    }

    /// The answer on `operators/{operator}/responses`: the command response's keys
    /// (`request_id` and `command_id` null) plus `alert_id` and `action`.
    static func response(alertID: String, action: String, device: String?, status: String, error: String?) -> String {
        json([
            "request_id": NSNull(),
            "command_id": NSNull(),
            "alert_id": alertID,
            "action": action,
            "device": device.map { $0 as Any } ?? NSNull(),
            "status": status,
            "error": error.map { $0 as Any } ?? NSNull(),
        ])
    }

    static func topic(deviceKey: String) -> String { "alerts/\(deviceKey)" }

    private static func json(_ object: [String: Any]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
