import Foundation
import Operators

/// The MQTT topic and payload of a command sent to a device (CONTRACT §3); the operator's
/// responses are `OperatorResponse`.
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
}
