/// Maps device ids to the machine's dense handles and back.
///
/// 16-byte keys and 4-byte values: about 40 bytes per device with the dictionary's slack, no strings kept.
public struct PresenceDirectory: Sendable {
    private var handles: [PresenceDeviceID: Int32] = [:]
    private var ids: [PresenceDeviceID] = []

    public init(expectedDevices: Int = 0) {
        handles.reserveCapacity(expectedDevices)
        ids.reserveCapacity(expectedDevices)
    }

    public var count: Int { ids.count }

    public func device(for id: PresenceDeviceID) -> PresenceDevice? {
        handles[id].map(PresenceDevice.init(index:))
    }

    public func id(of device: PresenceDevice) -> PresenceDeviceID {
        ids[Int(device.index)]
    }

    /// Records the handle the machine just assigned to `id` (handles are dense and in order).
    public mutating func insert(_ id: PresenceDeviceID, as device: PresenceDevice) {
        precondition(Int(device.index) == ids.count, "handles must be registered in the order the machine assigns them")
        handles[id] = device.index
        ids.append(id)
    }

    public var approximateMemoryBytes: Int {
        ids.capacity * MemoryLayout<PresenceDeviceID>.stride
            + handles.capacity * (MemoryLayout<PresenceDeviceID>.stride + MemoryLayout<Int32>.stride) + handles.capacity / 8
    }
}
