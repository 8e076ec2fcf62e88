import Foundation

/// The answers on `operators/{operator}/responses` (CONTRACT §3), built in one place for
/// commands and alert actions alike.
public enum OperatorResponse {
    /// `operators/{operator}/responses`.
    public static func topic(operatorKey: String) -> String {
        "operators/\(operatorKey)/responses"
    }

    /// `{"request_id","command_id","device","status","error"}` (null where unknown); `attempt` is added
    /// to `sent` responses and the device's result `data` (JSON) to `completed`/`failed` ones.
    public static func command(
        requestID: String?, commandID: UUID?, device: String?, status: String, error: String?,
        attempt: Int? = nil, resultDataJSON: String? = nil
    ) -> String {
        var out = "{\"request_id\":\(JSONText.stringOrNull(requestID)),"
            + "\"command_id\":\(JSONText.stringOrNull(commandID?.uuidString.lowercased())),"
            + "\"device\":\(JSONText.stringOrNull(device)),\"status\":\(JSONText.string(status)),"
            + "\"error\":\(JSONText.stringOrNull(error))"
        if let attempt { out += ",\"attempt\":\(attempt)" }
        if let resultDataJSON { out += ",\"data\":\(resultDataJSON)" }
        return out + "}"
    }

    /// The answer to an alert action: the command response's keys (`request_id` and `command_id`
    /// null) plus `alert_id` and `action`, keys sorted.
    public static func alertAction(alertID: String, action: String, device: String?, status: String, error: String?) -> String {
        let object: [String: Any] = [
            "request_id": NSNull(),
            "command_id": NSNull(),
            "alert_id": alertID,
            "action": action,
            "device": device.map { $0 as Any } ?? NSNull(),
            "status": status,
            "error": error.map { $0 as Any } ?? NSNull(),
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
