import Alerts
import Foundation
import Operators
import Testing

/// Every check of an operator's acknowledge/resolve, in order, without a database.
@Suite("AlertActionDecision: authorisation and state checks")
struct AlertActionDecisionTests {
    static let owner = UUID()
    static let stranger = UUID()

    static func alert(acknowledged: Bool = false, resolved: Bool = false, publishKey: String? = "SN-1") -> AlertTarget {
        AlertTarget(id: UUID().uuidString.lowercased(), alertType: "threshold", deviceID: UUID(), ownerID: owner, publishKey: publishKey,
                    severity: "high", title: "t", escalationLevel: 1, currentValue: 81, acknowledged: acknowledged, resolved: resolved)
    }

    static func user(_ id: UUID = owner, role: String = "user", active: Bool = true, deleted: Bool = false) -> OperatorUser {
        OperatorUser(id: id, role: role, isActive: active, isDeleted: deleted)
    }

    @Test(arguments: [AlertAction.acknowledge, .resolve])
    func unknownAlert(_ action: AlertAction) {
        #expect(AlertActionDecision.decide(action, target: nil, user: Self.user()) == .answer(.rejected(device: nil, "unknown alert")))
    }

    @Test(arguments: [AlertAction.acknowledge, .resolve])
    func operatorChecks(_ action: AlertAction) {
        let target = Self.alert()
        let cases: [(OperatorUser?, AlertActionDecision)] = [
            (nil, .answer(.rejected(device: "SN-1", "unknown operator"))),
            (Self.user(deleted: true), .answer(.rejected(device: "SN-1", "operator is deleted"))),
            (Self.user(active: false), .answer(.rejected(device: "SN-1", "operator is not active"))),
            (Self.user(Self.stranger), .answer(.rejected(device: "SN-1", "operator may not handle the alerts of this device"))),
            (Self.user(Self.stranger, role: "admin"), .write(userID: Self.stranger)),
            (Self.user(Self.stranger, role: "moderator"), .write(userID: Self.stranger)),
            (Self.user(), .write(userID: Self.owner)),
        ]
        for (user, expected) in cases {
            #expect(AlertActionDecision.decide(action, target: target, user: user) == expected, "\(String(describing: user))")
        }
    }

    /// (action, acknowledged, resolved) → decision for the owner.
    @Test func stateChecks() {
        let table: [(AlertAction, Bool, Bool, AlertActionDecision)] = [
            (.acknowledge, false, false, .write(userID: Self.owner)),
            (.acknowledge, true, false, .answer(AlertActionAnswer(status: "acknowledged", device: "SN-1"))),
            (.acknowledge, false, true, .answer(.rejected(device: "SN-1", "alert is already resolved"))),
            (.acknowledge, true, true, .answer(.rejected(device: "SN-1", "alert is already resolved"))),
            (.resolve, false, false, .write(userID: Self.owner)),
            (.resolve, true, false, .write(userID: Self.owner)),
            (.resolve, false, true, .answer(.rejected(device: "SN-1", "alert is already resolved"))),
            (.resolve, true, true, .answer(.rejected(device: "SN-1", "alert is already resolved"))),
        ]
        for (action, acknowledged, resolved, expected) in table {
            let target = Self.alert(acknowledged: acknowledged, resolved: resolved)
            #expect(AlertActionDecision.decide(action, target: target, user: Self.user()) == expected, "\(action) ack=\(acknowledged) resolved=\(resolved)")
        }
    }

    @Test func answerAfterTheWrite() {
        let target = Self.alert()
        #expect(AlertActionDecision.afterWrite(.acknowledge, target: target, changed: true) == AlertActionAnswer(status: "acknowledged", device: "SN-1"))
        #expect(AlertActionDecision.afterWrite(.resolve, target: target, changed: true) == AlertActionAnswer(status: "resolved", device: "SN-1"))
        for action in [AlertAction.acknowledge, .resolve] {
            #expect(AlertActionDecision.afterWrite(action, target: target, changed: false)
                    == .rejected(device: "SN-1", "alert changed meanwhile; try again"))
        }
    }

    /// The `alerts/{device}` message: keys sorted, `current_value` null when nothing was measured.
    @Test func eventPayload() {
        var notice = AlertNotice(event: .acknowledged, alertID: "a1", deviceKey: "SN-1", severity: "high", escalationLevel: 2,
                                 title: "Kitchen: temperature above 80", currentValue: 81.5)
        #expect(notice.topic == "alerts/SN-1")
        #expect(notice.payload == #"{"alert_id":"a1","alert_type":"threshold","current_value":81.5,"escalation_level":2,"event":"acknowledged","severity":"high","title":"Kitchen: temperature above 80"}"#)
        notice.currentValue = nil
        notice.alertType = "device_offline"
        #expect(notice.payload.contains(#""alert_type":"device_offline","current_value":null,"#))
    }
}
