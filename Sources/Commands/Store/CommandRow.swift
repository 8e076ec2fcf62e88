import Foundation
import WallTime

/// Who asked for a command over `operators/{operator}/commands`, so every state change can be answered.
///
/// Rebuilt from the command's `audit_logs` row, so any gateway (or the same one after a restart)
/// can answer the operator, not only the one that accepted the request.
public struct OperatorOrigin: Sendable, Equatable {
    /// The `{operator}` of the request topic, exactly as the operator wrote it; responses go to `operators/{operator}/responses`.
    public var operatorKey: String
    public var requestID: String?
    /// The `device` of the request, echoed in responses.
    public var deviceKey: String?

    public init(operatorKey: String, requestID: String?, deviceKey: String?) {
        self.operatorKey = operatorKey
        self.requestID = requestID
        self.deviceKey = deviceKey
    }
}

/// One `device_commands` row with what the dispatcher needs from its device and its audit row.
public struct CommandRow: Sendable, Equatable {
    public var id: UUID
    public var deviceID: UUID?
    public var userID: UUID?
    public var commandType: String
    /// `command_data` as JSON text, sent to the device unchanged.
    public var commandDataJSON: String
    public var snapshot: CommandSnapshot
    public var maxRetries: Int
    public var timeoutSeconds: Int
    public var createdAt: WallInstant
    /// Where the gateway publishes to the device: serial number, else MAC address as stored, else id (CONTRACT §3).
    public var publishKey: String?
    /// `devices.status = 'online'` when the row was read.
    public var deviceOnline: Bool
    public var origin: OperatorOrigin?

    public init(
        id: UUID, deviceID: UUID?, userID: UUID?, commandType: String, commandDataJSON: String, snapshot: CommandSnapshot,
        maxRetries: Int, timeoutSeconds: Int, createdAt: WallInstant, publishKey: String?, deviceOnline: Bool,
        origin: OperatorOrigin?
    ) {
        self.id = id
        self.deviceID = deviceID
        self.userID = userID
        self.commandType = commandType
        self.commandDataJSON = commandDataJSON
        self.snapshot = snapshot
        self.maxRetries = maxRetries
        self.timeoutSeconds = timeoutSeconds
        self.createdAt = createdAt
        self.publishKey = publishKey
        self.deviceOnline = deviceOnline
        self.origin = origin
    }

    /// A machine in the row's current state; its `deadline` is the row's remaining time.
    public func machine(ttl: Duration, deviceOnline online: Bool? = nil) -> CommandStateMachine {
        CommandStateMachine(
            snapshot: snapshot, timeout: .seconds(timeoutSeconds), maxRetries: maxRetries,
            expiresAt: createdAt + ttl, deviceOnline: online ?? deviceOnline
        )
    }
}
