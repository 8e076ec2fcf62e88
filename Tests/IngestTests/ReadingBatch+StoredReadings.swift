import DeviceRegistry
@testable import Ingest
import Testing

/// What a spool replay hands to the alert rules: the rows read back from a batch's COPY bytes.
@Suite("ReadingBatch: stored readings read back")
struct ReadingBatchStoredReadingsTests {
    @Test("rows come back in order with device, sensor, value and time, also after the spool's serialization; repeats are not rows")
    func roundTrip() throws {
        var batch = ReadingBatch(capacity: 8)
        batch.add((1, 2), (3, 4), 855_000, at: micros(2026, 12, 5, 10))
        batch.add((1, 2), (3, 4), -123_456, at: micros(2026, 12, 5, 10, 0, 1), metadata: #"{"pad": "x"}"#)
        batch.add((1, 2), (3, 4), 1, at: micros(2026, 12, 5, 10))  // a repeat: dropped by the batch
        batch.add((9, 8), (7, 6), 0, at: micros(2026, 12, 5, 9))
        batch.seal()
        let expected = [
            BatchReading(device: PackedUUID(high: 1, low: 2), sensorType: PackedUUID(high: 3, low: 4), scaledValue: 855_000, timestampMicros: micros(2026, 12, 5, 10)),
            BatchReading(device: PackedUUID(high: 1, low: 2), sensorType: PackedUUID(high: 3, low: 4), scaledValue: -123_456,
                         timestampMicros: micros(2026, 12, 5, 10, 0, 1)),
            BatchReading(device: PackedUUID(high: 9, low: 8), sensorType: PackedUUID(high: 7, low: 6), scaledValue: 0, timestampMicros: micros(2026, 12, 5, 9)),
        ]
        #expect(batch.storedReadings() == expected)
        #expect(try ReadingBatch(serialized: batch.serialize()).storedReadings() == expected)
    }
}
