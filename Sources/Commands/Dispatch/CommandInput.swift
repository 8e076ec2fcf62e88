import Foundation

/// Work for the command thread, in the order the ingest thread (or presence) produced it.
public enum CommandInput: Sendable, Equatable {
    /// A device's ack or result.
    case device(CommandEvent)
    /// `operators/{operator}/commands`, with its payload copied off the ring.
    case operatorCommand(operatorKey: String, payload: [UInt8])
    /// Devices that came online or went offline, in order (from presence).
    case presenceChanged([DevicePresenceChange])
    /// `mash_commands` was notified: a command became pending somewhere.
    case pendingNotified
}

/// A device came online or went offline.
public struct DevicePresenceChange: Sendable, Equatable {
    public var deviceID: UUID
    public var online: Bool

    public init(deviceID: UUID, online: Bool) {
        self.deviceID = deviceID
        self.online = online
    }
}
