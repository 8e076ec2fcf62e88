import Foundation

/// The `users` row behind an `{operator}` key, as authorisation needs it.
public struct OperatorUser: Sendable, Equatable {
    public var id: UUID
    /// `users.role`: admin, moderator, seller or user.
    public var role: String
    public var isActive: Bool
    public var isDeleted: Bool

    public init(id: UUID, role: String, isActive: Bool, isDeleted: Bool) {
        self.id = id
        self.role = role
        self.isActive = isActive
        self.isDeleted = isDeleted
    }
}

/// Who may command a device or handle its alerts (CONTRACT §3): an active, not deleted user who is
/// admin or moderator, or owns it.
public enum OperatorAuthorization {
    /// Nil when allowed, else the reason for the `rejected` response; `deviceOwner` is
    /// `devices.user_id`; `action` completes "operator may not … this device" (`command`,
    /// `handle the alerts of`).
    public static func refusal(user: OperatorUser?, deviceOwner: UUID?, action: String = "command") -> String? {
        guard let user else { return "unknown operator" }
        if user.isDeleted { return "operator is deleted" }
        if !user.isActive { return "operator is not active" }
        if user.role == "admin" || user.role == "moderator" { return nil }
        if let deviceOwner, deviceOwner == user.id { return nil }
        return "operator may not \(action) this device"
    }
}
