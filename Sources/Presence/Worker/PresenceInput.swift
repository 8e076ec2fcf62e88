import WallTime

/// One device message as presence needs it: who, what, and when the gateway received it.
public struct PresenceInput: Sendable, Equatable {
    public var device: PresenceDeviceID
    public var event: PresenceEvent
    public var at: WallInstant

    public init(device: PresenceDeviceID, event: PresenceEvent, at: WallInstant) {
        self.device = device
        self.event = event
        self.at = at
    }
}
