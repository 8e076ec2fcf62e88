import Foundation

/// One `audit_logs` row written for an operator's request: a command created or refused, an
/// alert acknowledged or resolved.
public struct AuditRow: Sendable, Equatable {
    /// The operator's `users.id`; nil when the key matched no user (a refusal is audited anyway).
    public var userID: UUID?
    /// `device`, `device_command` or `alert`.
    public var entityType: String
    public var entityID: UUID
    /// e.g. `command.rejected`, `alert.acknowledge`.
    public var action: String
    /// `new_values` as JSON; `extra` keys are merged into it.
    public var newValuesJSON: String
    public var extra: [String: String]
    public var requestID: String?
    /// `created_at`, microseconds since the Unix epoch (UTC).
    public var atMicros: Int64

    public init(
        userID: UUID?, entityType: String, entityID: UUID, action: String, newValuesJSON: String = "{}",
        extra: [String: String] = [:], requestID: String? = nil, atMicros: Int64
    ) {
        self.userID = userID
        self.entityType = entityType
        self.entityID = entityID
        self.action = action
        self.newValuesJSON = newValuesJSON
        self.extra = extra
        self.requestID = requestID
        self.atMicros = atMicros
    }

    /// `extra` as one JSON object, keys sorted, merged into `new_values` by the database (`||`).
    public var extraJSON: String {
        "{" + extra.sorted { $0.key < $1.key }.map { "\(JSONText.string($0.key)):\(JSONText.string($0.value))" }
            .joined(separator: ",") + "}"
    }
}
