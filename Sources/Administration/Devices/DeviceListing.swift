import Foundation
import WallTime

/// One line of `devices list`: a live device as an operator recognises it.
public struct DeviceListing: Sendable, Equatable, Encodable {
    /// The `{device}` key the gateway publishes to: serial, else MAC as stored, else id.
    public var key: String
    public var id: String
    public var name: String
    public var deviceType: String
    public var serialNumber: String?
    public var macAddress: String?
    public var status: String
    /// Epoch microseconds, UTC; nil when never heard from.
    public var lastSeenMicros: Int64?
    public var ownerEmail: String?

    public init(
        key: String, id: String, name: String, deviceType: String, serialNumber: String?, macAddress: String?,
        status: String, lastSeenMicros: Int64?, ownerEmail: String?
    ) {
        self.key = key
        self.id = id
        self.name = name
        self.deviceType = deviceType
        self.serialNumber = serialNumber
        self.macAddress = macAddress
        self.status = status
        self.lastSeenMicros = lastSeenMicros
        self.ownerEmail = ownerEmail
    }

    enum CodingKeys: String, CodingKey {
        case key, id, name, deviceType = "device_type", serialNumber = "serial_number", macAddress = "mac_address"
        case status, lastSeen = "last_seen", ownerEmail = "owner_email"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(key, forKey: .key)
        try container.encode(id, forKey: .id)
        try container.encode(name, forKey: .name)
        try container.encode(deviceType, forKey: .deviceType)
        try container.encode(serialNumber, forKey: .serialNumber)
        try container.encode(macAddress, forKey: .macAddress)
        try container.encode(status, forKey: .status)
        try container.encode(lastSeenMicros.map { DateTimeText.format($0, separator: "T", fraction: .trimmed) + "Z" }, forKey: .lastSeen)
        try container.encode(ownerEmail, forKey: .ownerEmail)
    }
}
