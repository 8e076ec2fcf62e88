import Foundation
import Operators
import Testing

@Suite("OperatorAuthorization: who may command a device or handle its alerts")
struct OperatorAuthorizationTests {
    static let owner = UUID()

    /// (user, device owner) → refusal, for every role and flag.
    @Test func table() {
        let other = UUID()
        func user(_ role: String, id: UUID = other, active: Bool = true, deleted: Bool = false) -> OperatorUser {
            OperatorUser(id: id, role: role, isActive: active, isDeleted: deleted)
        }
        let cases: [(OperatorUser?, UUID?, String?)] = [
            (nil, Self.owner, "unknown operator"),
            (user("admin"), Self.owner, nil),
            (user("moderator"), nil, nil),
            (user("user", id: Self.owner), Self.owner, nil),
            (user("seller"), Self.owner, "operator may not command this device"),
            (user("user"), nil, "operator may not command this device"),
            (user("admin", deleted: true), Self.owner, "operator is deleted"),
            (user("admin", active: false, deleted: true), Self.owner, "operator is deleted"),
            (user("user", id: Self.owner, active: false), Self.owner, "operator is not active"),
        ]
        for (user, owner, expected) in cases {
            #expect(OperatorAuthorization.refusal(user: user, deviceOwner: owner) == expected, "\(String(describing: user)) owner \(String(describing: owner))")
        }
        #expect(OperatorAuthorization.refusal(user: user("user"), deviceOwner: Self.owner, action: "handle the alerts of")
                == "operator may not handle the alerts of this device")
    }
}
