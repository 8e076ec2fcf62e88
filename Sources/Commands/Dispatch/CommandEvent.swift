import Foundation

/// Something that happened to commands, fed to `CommandDispatcher.apply`.
public enum CommandEvent: Sendable, Equatable {
    /// `devices/{device}/commands/{id}/ack`; `deviceID` is the sender resolved from the topic (nil: not checked).
    case acknowledged(commandID: UUID, deviceID: UUID?)
    /// `devices/{device}/commands/{id}/result` with its raw payload.
    case result(commandID: UUID, deviceID: UUID?, payload: [UInt8])
    /// Presence: the device is online (the caller should also `claimPending` for it).
    case deviceOnline(UUID)
    /// Presence: the device went offline.
    case deviceOffline(UUID)
    /// Publishing a send failed (no broker connection): the command goes back to pending, no retry spent.
    case publishFailed(commandID: UUID)

    var commandID: UUID? {
        switch self {
        case .acknowledged(let id, _), .result(let id, _, _), .publishFailed(let id): id
        case .deviceOnline, .deviceOffline: nil
        }
    }
}

/// What the dispatcher's owner must do outside the database, in order.
public enum CommandEffect: Sendable, Equatable {
    /// Publish at QoS 1 to `devices/{device}/commands/{id}`. Report a failure with `.publishFailed`.
    case publishToDevice(topic: String, payload: String, commandID: UUID, attempt: Int)
    /// Publish to `operators/{operator}/responses` (QoS 1).
    case publishToOperator(topic: String, payload: String)
    /// An event that changed nothing (late or duplicate ack/result, a row changed by another gateway); already logged.
    case ignored(commandID: UUID?, reason: String)
}
