import Telemetry

/// One live (not soft-deleted) `devices` row, as the ingest path, presence, commands and alerts need it.
///
/// A value copied out of the directory's cache: it does not change when the row does; resolve again
/// for fresh data.
public struct DeviceRecord: Sendable, Hashable {
    /// `devices.id`; `id.halves` for the COPY encoder, `id.string` for SQL parameters.
    public var id: PackedUUID
    public var name: String
    public var serialNumber: String?
    /// As stored (any spelling); lookups compare its normalised form.
    public var macAddress: String? {
        get { mac.text }
        set { mac = StoredMAC(newValue) }
    }
    /// The MAC in its compact form: a lookup copies the record, and the text would be an allocation.
    var mac: StoredMAC
    /// `devices.user_id` (the owner: notifications, operator permissions); nil for unowned devices.
    public var ownerID: String?
    /// `devices.configuration` as JSON text (e.g. `alert_rules` overrides); nil when NULL.
    public var configuration: String?
    /// `devices.timezone` (an IANA name; the schema's default is `UTC`): the zone of local times a
    /// device sends (Tasmota's `Time`). Nil when NULL.
    public var timezone: String?
    /// `devices.configuration.sensor_map`: firmware names → sensor types (ESPHome, Tasmota); nil when
    /// absent or unusable (which is logged when the device is loaded).
    public var sensorMap: SensorMap?

    public init(
        id: PackedUUID, name: String, serialNumber: String? = nil, macAddress: String? = nil,
        ownerID: String? = nil, configuration: String? = nil, timezone: String? = nil, sensorMap: SensorMap? = nil
    ) {
        self.timezone = timezone
        self.sensorMap = sensorMap
        self.id = id
        self.name = name
        self.serialNumber = serialNumber
        self.mac = StoredMAC(macAddress)
        self.ownerID = ownerID
        self.configuration = configuration
    }

    /// The `{device}` the gateway publishes to (contract §3): serial number, else MAC as stored, else id.
    ///
    /// An empty serial number or MAC counts as absent: an empty topic segment is not a device key.
    public var publishKey: String {
        if let serialNumber, !serialNumber.isEmpty { return serialNumber }
        if !mac.isEmpty, let macAddress { return macAddress }
        return id.string
    }

    /// `devices.id` as lowercase text.
    public var idString: String { id.string }
}
