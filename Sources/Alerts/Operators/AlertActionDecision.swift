import Foundation
import Operators

/// What an operator's acknowledge or resolve comes to, decided from the alert and the operator as
/// read (no I/O): refused, answered without a change, or a change to write.
///
/// Checked in this order: the alert exists, the operator may handle the device's alerts (CONTRACT
/// §3, the command path's rule), the alert is not resolved; acknowledging an acknowledged alert is
/// answered `acknowledged` and writes nothing. The write itself is conditional, so an alert that
/// changed between the read and the write is refused after all (`afterWrite`).
public enum AlertActionDecision: Sendable, Equatable {
    /// Answer without writing anything.
    case answer(AlertActionAnswer)
    /// Write the change as this user; then `afterWrite` says what to answer.
    case write(userID: UUID)

    /// `target` is nil when `alert_id` names no alert; `user` nil when the key names no user.
    public static func decide(_ action: AlertAction, target: AlertTarget?, user: OperatorUser?) -> AlertActionDecision {
        guard let target else { return .answer(.rejected(device: nil, "unknown alert")) }
        let device = target.publishKey
        if let reason = OperatorAuthorization.refusal(user: user, deviceOwner: target.ownerID, action: "handle the alerts of") {
            return .answer(.rejected(device: device, reason))
        }
        guard let user else { return .answer(.rejected(device: device, "unknown operator")) }
        if target.resolved { return .answer(.rejected(device: device, "alert is already resolved")) }
        if action == .acknowledge && target.acknowledged { return .answer(AlertActionAnswer(status: "acknowledged", device: device)) }
        return .write(userID: user.id)
    }

    /// The answer once the conditional write ran: `changed` false means someone else acted meanwhile.
    public static func afterWrite(_ action: AlertAction, target: AlertTarget, changed: Bool) -> AlertActionAnswer {
        guard changed else { return .rejected(device: target.publishKey, "alert changed meanwhile; try again") }
        return AlertActionAnswer(status: action == .acknowledge ? "acknowledged" : "resolved", device: target.publishKey)
    }
}

/// The fields of the answer on `operators/{operator}/responses` (besides `alert_id` and `action`).
public struct AlertActionAnswer: Sendable, Equatable {
    public var status: String
    /// The device's publish key; nil when the alert is unknown (or has no device).
    public var device: String?
    /// The refusal reason; nil unless `status` is `rejected`.
    public var error: String?

    public init(status: String, device: String?, error: String? = nil) {
        self.status = status
        self.device = device
        self.error = error
    }

    public static func rejected(device: String?, _ reason: String) -> AlertActionAnswer {
        AlertActionAnswer(status: "rejected", device: device, error: reason)
    }
}
