import DeviceRegistry

/// A device id (`devices.id`) as two big-endian 64-bit halves: the registry's packed UUID, so ids
/// pass between ingest, presence and commands without conversion.
public typealias PresenceDeviceID = PackedUUID
