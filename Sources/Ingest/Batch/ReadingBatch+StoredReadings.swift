import Postgres
import DeviceRegistry

/// One `sensor_readings` row of a batch, read back from its COPY bytes.
public struct BatchReading: Sendable, Equatable {
    public var device: PackedUUID
    public var sensorType: PackedUUID
    /// The value × 10⁴ (DECIMAL(15,4)).
    public var scaledValue: Int64
    /// The reading's `timestamp` (epoch microseconds).
    public var timestampMicros: Int64
}

extension ReadingBatch {
    /// The batch's reading rows in the order they were appended (which is ring order).
    ///
    /// For the cold path (a spooled batch replayed): it parses every row. Rows that cannot be read
    /// are skipped; `init(serialized:)` has already checked every field of a spooled batch.
    public func storedReadings() -> [BatchReading] {
        var out: [BatchReading] = []
        out.reserveCapacity(readingCount)
        for index in 0..<readingCount {
            let row = readingRow(index)
            let parsed: BatchReading? = row.withUnsafeBytes { bytes in
                var reader = CopyRowReader(bytes)
                do throws(ReadingBatchFormatError) {
                    _ = try reader.integer(Int16.self)  // field count
                    guard try reader.field() != nil,  // id
                          let device = try reader.field(), device.count == 16,
                          let sensor = try reader.field(), sensor.count == 16,
                          let value = try reader.field(),
                          try reader.field() != nil,  // quality
                          let timestamp = try reader.field(), timestamp.count == 8
                    else { return nil }
                    return BatchReading(
                        device: Self.packed(device), sensorType: Self.packed(sensor),
                        scaledValue: try CopyRowReader.scaledNumeric(value),
                        timestampMicros: CopyRowReader.bigEndian(timestamp, at: 0, as: Int64.self)
                            + BinaryCopyEncoder.postgresEpochOffsetMicroseconds)
                } catch {
                    return nil
                }
            }
            if let parsed { out.append(parsed) }
        }
        return out
    }

    private static func packed(_ field: UnsafeRawBufferPointer) -> PackedUUID {
        PackedUUID(high: CopyRowReader.bigEndian(field, at: 0, as: UInt64.self), low: CopyRowReader.bigEndian(field, at: 8, as: UInt64.self))
    }
}
