import Telemetry

/// What `devices add` was asked to register, checked before the database is touched.
///
/// The serial number becomes the device's MQTT key and, with the shipped ACL, its broker user
/// name (`devices/%u/#`): mosquitto never matches `%u` for names containing `+`, `#` or `/`, so
/// such a key could never publish; it is refused here rather than discovered on the device.
public struct NewDevice: Sendable, Equatable {
    public var serialNumber: String
    /// Lowercase, colon-separated (`aa:bb:cc:dd:ee:ff`), whatever spelling was given.
    public var macAddress: String?
    public var name: String
    public var deviceType: String
    /// An operator key (CONTRACT §3): email (any case), `clerk_user_id` or `id`.
    public var ownerKey: String?

    /// Validates and normalises; throws ``DeviceAdminError`` with `.invalidArgument` naming the bad value.
    public init(
        serialNumber: String, macAddress: String? = nil, name: String? = nil, deviceType: String? = nil, ownerKey: String? = nil
    ) throws(DeviceAdminError) {
        try Self.checkKey(serialNumber)
        self.serialNumber = serialNumber
        if let macAddress {
            guard let digits = DeviceKey.normalizedMAC(macAddress) else {
                throw DeviceAdminError(.invalidArgument, "--mac \"\(macAddress)\" is not a MAC address; use 12 hex digits, e.g. AA:BB:CC:DD:EE:FF or aabbccddeeff")
            }
            self.macAddress = Self.colonSeparated(digits)
        } else {
            self.macAddress = nil
        }
        self.name = name ?? serialNumber
        self.deviceType = deviceType ?? "generic"
        guard !self.name.isEmpty, self.name.count <= 255 else {
            throw DeviceAdminError(.invalidArgument, "--name must be 1 to 255 characters")
        }
        guard !self.deviceType.isEmpty, self.deviceType.count <= 100 else {
            throw DeviceAdminError(.invalidArgument, "--type must be 1 to 100 characters")
        }
        if let ownerKey, ownerKey.isEmpty {
            throw DeviceAdminError(.invalidArgument, "--owner must name a user (email, clerk_user_id or id)")
        }
        self.ownerKey = ownerKey
    }

    /// A serial number usable as a topic level and a broker user name.
    static func checkKey(_ key: String) throws(DeviceAdminError) {
        guard !key.isEmpty, key.count <= 255 else {
            throw DeviceAdminError(.invalidArgument, "the device key must be 1 to 255 characters")
        }
        if let bad = key.unicodeScalars.first(where: { $0 == "/" || $0 == "+" || $0 == "#" || $0.properties.isWhitespace || $0.value < 0x20 }) {
            let shown = bad.properties.isWhitespace || bad.value < 0x20 ? "whitespace or a control character" : "\"\(bad)\""
            throw DeviceAdminError(.invalidArgument, "device key \"\(key)\" contains \(shown); a key is one MQTT topic level and a broker user name")
        }
    }

    static func colonSeparated(_ digits: String) -> String {
        var out = ""
        for (index, character) in digits.enumerated() {
            if index > 0 && index % 2 == 0 { out.append(":") }
            out.append(character)
        }
        return out
    }
}
