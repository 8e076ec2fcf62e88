import Alerts
import Commands
import DeviceRegistry
import Foundation
import Presence

extension CommandInput {
    /// Presence's status transitions as the command loop sees them (a device id that is not a UUID cannot have commands).
    static func presence(_ transitions: [PresenceTransition]) -> CommandInput {
        .presenceChanged(transitions.compactMap { transition in
            UUID(uuidString: transition.deviceID.string).map { DevicePresenceChange(deviceID: $0, online: transition.status == .online) }
        })
    }
}

extension AlertNotice {
    /// Presence's `device_offline` alert event as any other alert event, published to the device's publish key.
    static func message(for offline: PresenceAlertNotice, devices: DeviceDirectory) -> (topic: String, payload: String) {
        let notice = AlertNotice(
            event: offline.event == .raised ? .raised : .resolved, alertID: offline.alertID,
            deviceKey: devices.resolve(offline.deviceID.string)?.publishKey ?? offline.deviceID.string, alertType: offline.alertType,
            severity: offline.severity, escalationLevel: offline.escalationLevel, title: offline.title, currentValue: nil)
        return (notice.topic, notice.payload)
    }
}
