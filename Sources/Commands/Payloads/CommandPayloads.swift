import Foundation

/// The MQTT topics and payloads of commands (CONTRACT §3), built in one place.
public enum CommandPayloads {
    /// `devices/{device}/commands/{command_id}`: one per send attempt, QoS 1.
    public static func deviceTopic(publishKey: String, commandID: UUID) -> String {
        "devices/\(publishKey)/commands/\(commandID.uuidString.lowercased())"
    }

    /// `{"id","type","data","attempt","timeout_s"}`; `dataJSON` is inserted as is (it is `command_data` from PostgreSQL).
    public static func devicePayload(commandID: UUID, type: String, dataJSON: String, attempt: Int, timeoutSeconds: Int) -> String {
        "{\"id\":\(JSONText.string(commandID.uuidString.lowercased())),\"type\":\(JSONText.string(type)),"
            + "\"data\":\(dataJSON),\"attempt\":\(attempt),\"timeout_s\":\(timeoutSeconds)}"
    }

    /// `operators/{operator}/responses`.
    public static func operatorTopic(operatorKey: String) -> String {
        "operators/\(operatorKey)/responses"
    }

    /// `{"request_id","command_id","device","status","error"}` (null where unknown); `attempt` is added
    /// to `sent` responses and the device's result `data` (JSON) to `completed`/`failed` ones.
    public static func operatorResponse(
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
}
