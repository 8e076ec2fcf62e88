import Foundation

/// A device as `OperatorCommandHandler` needs it, already resolved from a `{device}` key by the caller
/// (the gateway plugs in its device registry; `CommandStore.resolveDevice` is a plain SQL fallback).
public struct ResolvedDevice: Sendable, Equatable {
    public var id: UUID
    /// `devices.user_id`: its owner may command it.
    public var ownerID: UUID?
    /// Serial number, else MAC address as stored, else id (CONTRACT §3).
    public var publishKey: String

    public init(id: UUID, ownerID: UUID?, publishKey: String) {
        self.id = id
        self.ownerID = ownerID
        self.publishKey = publishKey
    }
}

/// Resolves a `{device}` key (serial number, MAC address in any form, or id); nil when no device matches.
public typealias DeviceResolver = (String) throws -> ResolvedDevice?
