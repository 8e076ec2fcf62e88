import Foundation

/// A device's `…/commands/{id}/result` payload: `{"status":"completed"}` or `{"status":"failed","error":"…"}`, optional `"data"`.
public struct CommandResult: Sendable, Equatable {
    public var succeeded: Bool
    public var error: String?
    /// The optional `data`, re-serialised as compact JSON (passed on to the operator).
    public var dataJSON: String?

    public init(succeeded: Bool, error: String? = nil, dataJSON: String? = nil) {
        self.succeeded = succeeded
        self.error = error
        self.dataJSON = dataJSON
    }

    /// Parses a result payload; nil when it is not a JSON object with `status` `completed` or `failed`.
    public init?(payload: [UInt8]) {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(payload), options: [.fragmentsAllowed])) as? [String: Any],
              let status = (object["status"] as? String)?.lowercased()
        else { return nil }
        switch status {
        case "completed": succeeded = true
        case "failed": succeeded = false
        default: return nil
        }
        error = object["error"].flatMap { $0 is NSNull ? nil : ($0 as? String) ?? "\($0)" }
        if let data = object["data"], JSONSerialization.isValidJSONObject([data]),
           let encoded = try? JSONSerialization.data(withJSONObject: data, options: [.fragmentsAllowed, .sortedKeys]) {
            dataJSON = String(decoding: encoded, as: UTF8.self)
        } else {
            dataJSON = nil
        }
    }
}
