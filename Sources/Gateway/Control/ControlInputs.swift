import Alerts
import Commands
import Presence
import WallTime

/// One device message as presence needs it: who, what, and when the gateway received it.
struct PresenceInput: Sendable {
    var device: PresenceDeviceID
    var event: PresenceEvent
    var at: WallInstant
}

/// Work for the command service, in the order the ingest thread (or presence) produced it.
enum CommandInput: Sendable {
    /// A device's ack or result.
    case device(CommandEvent)
    /// `operators/{operator}/commands`, with its payload copied off the ring.
    case operatorCommand(operatorKey: String, payload: [UInt8])
    /// Devices that came online or went offline (from the presence service).
    case presence([PresenceTransition])
    /// `mash_commands` was notified: a command became pending somewhere.
    case pendingNotified
}

/// What an operator asks of an alert (`operators/{operator}/alerts/{alert_id}/ack|resolve`).
enum AlertAction: String, Sendable {
    case acknowledge = "ack"
    case resolve
}

/// Work for the alert service, in the order the ingest thread produced it.
enum AlertInput: Sendable {
    /// Stored readings of watched sensors (one message's worth).
    case readings([AlertReading])
    case action(operatorKey: String, alertID: String, AlertAction)
}
