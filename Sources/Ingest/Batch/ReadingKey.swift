/// What makes a reading unique (the unique index of migration 0003): device, sensor, timestamp.
struct ReadingKey: Hashable, Sendable {
    var device: (UInt64, UInt64)
    var sensor: (UInt64, UInt64)
    var timestampMicros: Int64

    static func == (a: ReadingKey, b: ReadingKey) -> Bool {
        a.device == b.device && a.sensor == b.sensor && a.timestampMicros == b.timestampMicros
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(device.0)
        hasher.combine(device.1)
        hasher.combine(sensor.0)
        hasher.combine(sensor.1)
        hasher.combine(timestampMicros)
    }
}
