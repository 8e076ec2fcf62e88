import Foundation
import GatewayConfig

/// An operator's `operators/{operator}/commands` payload, validated against `CommandSettings`.
///
/// `{"device":"…","type":"reboot","data":{},"timeout_s":30,"max_retries":3,"request_id":"…"}`:
/// `device` and `type` are required; `data` defaults to `{}`, `timeout_s` to 30 and
/// `max_retries` to 3 (each capped by the settings' maxima); `request_id` is echoed back.
public struct OperatorCommandRequest: Sendable, Equatable {
    public var device: String
    public var type: String
    /// `data` as compact JSON, stored in `command_data`.
    public var dataJSON: String
    public var timeoutSeconds: Int
    public var maxRetries: Int
    public var requestID: String?
    /// The request object as received (compact JSON), for the audit row.
    public var requestJSON: String

    /// What a parse yields: the request, or a reason with whatever could be read for the response and the audit.
    public enum Parsed: Sendable, Equatable {
        case valid(OperatorCommandRequest)
        case invalid(reason: String, device: String?, requestID: String?, requestJSON: String?)
    }

    public static let defaultTimeoutSeconds = 30
    public static let defaultMaxRetries = 3

    public static func parse(_ payload: [UInt8], settings: CommandSettings) -> Parsed {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(payload))) as? [String: Any],
              let normalized = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        else {
            return .invalid(reason: "payload is not a JSON object", device: nil, requestID: nil, requestJSON: nil)
        }
        let requestJSON = String(decoding: normalized, as: UTF8.self)
        let fields = try? JSONDecoder().decode(Fields.self, from: Data(payload))
        let requestID: String? = switch object["request_id"] {
        case let text as String: text
        case let number as NSNumber where !(number is Bool) && fields?.requestIDIsNumber == true: number.stringValue
        default: nil
        }
        let device = object["device"] as? String
        func invalid(_ reason: String) -> Parsed {
            .invalid(reason: reason, device: device, requestID: requestID, requestJSON: requestJSON)
        }
        guard let device, !device.isEmpty else { return invalid("missing device") }
        guard let type = object["type"] as? String, !type.trimmingCharacters(in: .whitespaces).isEmpty else {
            return invalid("missing type")
        }
        guard type.count <= 100 else { return invalid("type longer than 100 characters") }
        if let requestID, requestID.count > 255 { return invalid("request_id longer than 255 characters") }
        guard let fields else { return invalid("timeout_s and max_retries must be integers") }

        let timeout = fields.timeout ?? min(defaultTimeoutSeconds, settings.maxTimeoutSeconds)
        guard (1...max(1, settings.maxTimeoutSeconds)).contains(timeout) else {
            return invalid("timeout_s must be between 1 and \(settings.maxTimeoutSeconds)")
        }
        let retries = fields.maxRetries ?? min(defaultMaxRetries, settings.maxRetriesLimit)
        guard (0...max(0, settings.maxRetriesLimit)).contains(retries) else {
            return invalid("max_retries must be between 0 and \(settings.maxRetriesLimit)")
        }
        var dataJSON = "{}"
        if let data = object["data"], !(data is NSNull) {
            guard let encoded = try? JSONSerialization.data(withJSONObject: data, options: [.fragmentsAllowed, .sortedKeys]) else {
                return invalid("data is not valid JSON")
            }
            dataJSON = String(decoding: encoded, as: UTF8.self)
        }
        return .valid(OperatorCommandRequest(
            device: device, type: type, dataJSON: dataJSON, timeoutSeconds: timeout, maxRetries: retries,
            requestID: requestID, requestJSON: requestJSON
        ))
    }

    /// The typed fields: JSONDecoder refuses `1.5`, `"30"` and `true` where an integer is required.
    private struct Fields: Decodable {
        var timeout: Int?
        var maxRetries: Int?
        var requestIDIsNumber: Bool

        enum CodingKeys: String, CodingKey {
            case timeout = "timeout_s"
            case maxRetries = "max_retries"
            case requestID = "request_id"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            timeout = try container.decodeIfPresent(Int.self, forKey: .timeout)
            maxRetries = try container.decodeIfPresent(Int.self, forKey: .maxRetries)
            requestIDIsNumber = (try? container.decodeIfPresent(Int.self, forKey: .requestID)) != nil
        }
    }
}
