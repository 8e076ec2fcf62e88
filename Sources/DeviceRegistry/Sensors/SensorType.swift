/// One `sensor_types` row, with its bounds in the scaled form readings carry.
public struct SensorType: Sendable, Hashable {
    /// `sensor_types.id`; `id.halves` for the COPY encoder.
    public var id: PackedUUID
    /// The name as stored (readings may spell it in any case).
    public var name: String
    public var unit: String
    /// `min_value` × 10⁴, nil when NULL (no lower bound).
    public var minScaled: Int64?
    /// `max_value` × 10⁴, nil when NULL (no upper bound).
    public var maxScaled: Int64?

    public init(id: PackedUUID, name: String, unit: String, minScaled: Int64? = nil, maxScaled: Int64? = nil) {
        self.id = id
        self.name = name
        self.unit = unit
        self.minScaled = minScaled
        self.maxScaled = maxScaled
    }

    /// True when a reading (value × 10⁴) lies outside `[min_value, max_value]`: it is stored with
    /// quality `bad` (contract §4). The bounds themselves are inside.
    @inlinable
    public func isOutOfBounds(_ scaledValue: Int64) -> Bool {
        if let minScaled, scaledValue < minScaled { return true }
        if let maxScaled, scaledValue > maxScaled { return true }
        return false
    }
}
