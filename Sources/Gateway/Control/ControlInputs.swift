import Alerts
import Commands
import Foundation
import Presence
import WallTime

/// One device message as presence needs it: who, what, and when the gateway received it.
struct PresenceInput: Sendable {
    var device: PresenceDeviceID
    var event: PresenceEvent
    var at: WallInstant
}

extension CommandInput {
    /// Presence's status transitions as the command loop sees them (a device id that is not a UUID cannot have commands).
    static func presence(_ transitions: [PresenceTransition]) -> CommandInput {
        .presenceChanged(transitions.compactMap { transition in
            UUID(uuidString: transition.deviceID.string).map { DevicePresenceChange(deviceID: $0, online: transition.status == .online) }
        })
    }
}

/// Work for the alert service, in the order the ingest thread produced it.
enum AlertInput: Sendable {
    /// Stored readings of watched sensors (one message's worth).
    case readings([AlertReading])
    case action(operatorKey: String, alertID: String, AlertAction)
}
