@testable import Ingest
import Telemetry
import Testing
import WallTime

@Suite("ReadingBatch: rows, in-batch repeats, days, serialization")
struct ReadingBatchRowsTests {
    let device = (UInt64(1), UInt64(2))
    let sensor = (UInt64(3), UInt64(4))

    @Test func repeatsWithinABatchAreDroppedAndCounted() {
        var batch = ReadingBatch(capacity: 8)
        do { let added = batch.add(device, sensor, 10, at: micros(2026, 1, 1)); #expect(added) }
        do { let added = batch.add(device, sensor, 99, at: micros(2026, 1, 1)); #expect(!added) }
        do { let added = batch.add(device, sensor, 10, at: micros(2026, 1, 1, 0, 0, 0, 1)); #expect(added) }
        do { let added = batch.add(device, (3, 5), 10, at: micros(2026, 1, 1)); #expect(added) }
        #expect(batch.readingCount == 3)
        #expect(batch.duplicatesInBatch == 1)
    }

    @Test func tracksDaysAndTimeRangeAndResetKeepsNothing() {
        var batch = ReadingBatch(capacity: 8)
        batch.add(device, sensor, 1, at: micros(2024, 2, 29, 23, 59))
        batch.add(device, sensor, 1, at: micros(2024, 3, 1, 0, 1))
        batch.add(device, sensor, 1, at: micros(2024, 2, 29, 1))
        #expect(batch.days == [CivilDate(year: 2024, month: 2, day: 29).dayNumber, CivilDate(year: 2024, month: 3, day: 1).dayNumber])
        #expect(batch.minTimestampMicros == micros(2024, 2, 29, 1))
        #expect(batch.maxTimestampMicros == micros(2024, 3, 1, 0, 1))
        batch.seal()
        batch.reset()
        #expect(batch.isEmpty && batch.days.isEmpty && !batch.isSealed && batch.duplicatesInBatch == 0)
        do { let added = batch.add(device, sensor, 1, at: micros(2024, 2, 29, 23, 59)); #expect(added) }  // the key set was emptied too
    }

    @Test func serializationRoundTripsEveryRowByteForByte() throws {
        var batch = ReadingBatch(capacity: 8)
        batch.add(device, sensor, -123_456_789, at: micros(2026, 11, 25, 1, 2, 3, 456_789), quality: .bad, metadata: #"{"a":[1,2]}"#)
        batch.add(device, sensor, 0, at: micros(1999, 12, 31))
        batch.add(device, sensor, 999_999_999_999_999_999, at: micros(2026, 11, 26), quality: .uncertain)
        batch.add(device, sensor, 5, at: micros(2026, 11, 26))  // repeat
        batch.appendReject(receivedAtMicros: micros(2026, 1, 1), topic: "devices/x/telemetry", payload: [0xFF, 0x00, 0x41],
                           reason: .malformedPayload, detail: "bad")
        let bytes = batch.serialize()
        var copy = try ReadingBatch(serialized: bytes)
        batch.seal()
        #expect(copy.isSealed)
        #expect(copy.readingCount == 3 && copy.rejectCount == 1 && copy.duplicatesInBatch == 1)
        #expect(copy.days == batch.days)
        #expect(copy.minTimestampMicros == batch.minTimestampMicros && copy.maxTimestampMicros == batch.maxTimestampMicros)
        #expect(copy.readings.bytes == batch.readings.bytes)
        #expect(copy.rejects.bytes == batch.rejects.bytes)
        #expect(copy.serialize() == bytes)
        copy.reset()
        #expect(copy.isEmpty)
    }

    @Test func corruptSerializedBatchesAreErrorsNotCrashes() {
        var batch = ReadingBatch(capacity: 8)
        batch.add(device, sensor, 1, at: micros(2026, 1, 1))
        let bytes = batch.serialize()
        for cut in [0, 3, 10, bytes.count / 2, bytes.count - 1] {
            #expect(throws: ReadingBatchFormatError.self) { try ReadingBatch(serialized: Array(bytes.prefix(cut))) }
        }
        var flipped = bytes
        flipped[0] ^= 0xFF
        #expect(throws: ReadingBatchFormatError.self) { try ReadingBatch(serialized: flipped) }
    }

    @Test func subRangeCopiesAreCompleteStreams() {
        var batch = ReadingBatch(capacity: 8)
        for i in 0..<5 { batch.add(device, sensor, Int64(i), at: micros(2026, 1, 1) + Int64(i)) }
        batch.seal()
        let all = batch.readingsCopy(rows: 0..<5)
        #expect(all == batch.readings.bytes)
        let middle = batch.readingsCopy(rows: 1..<3)
        #expect(middle.prefix(19) == batch.readings.bytes.prefix(19))
        #expect(middle.suffix(2) == [0xFF, 0xFF])
        #expect(middle.count == 19 + batch.readingRow(1).count + batch.readingRow(2).count + 2)
    }

    @Test func largePayloadsAreCutAndSaySo() throws {
        var batch = ReadingBatch(capacity: 1)
        let payload = [UInt8](repeating: 0x7B, count: ReadingBatch.maxStoredPayloadBytes + 10)
        batch.appendReject(receivedAtMicros: 0, topic: "t", payload: payload, reason: .payloadTooLarge, detail: "too big")
        batch.seal()
        let row = batch.rejectRow(0)
        try row.withUnsafeBytes { bytes in
            var reader = CopyRowReader(bytes)
            _ = try reader.integer(Int16.self)
            _ = try reader.field()
            _ = try reader.field()
            #expect(try reader.field()?.count == ReadingBatch.maxStoredPayloadBytes)
            _ = try reader.field()
            let detail = try #require(try reader.field())
            #expect(String(decoding: detail, as: UTF8.self).hasSuffix("(payload truncated: first 65536 of 65546 bytes stored)"))
        }
    }
}

@Suite("UUIDv7Generator")
struct UUIDv7GeneratorTests {
    @Test func versionVariantTimestampAndStrictOrder() {
        var generator = UUIDv7Generator(seed: 42)
        var last: (UInt64, UInt64) = (0, 0)
        var seen = Set<[UInt64]>()
        for i in 0..<100_000 {
            // Many ids per millisecond, and a clock that steps back once.
            let ms: UInt64 = i == 50_000 ? 1_700_000_000_000 : 1_700_000_000_000 + UInt64(i / 1000)
            let id = generator.next(unixMillis: ms)
            #expect((id.0 >> 12) & 0xF == 7)
            #expect(id.1 >> 62 == 0b10)
            #expect(id.0 >> 16 >= 1_700_000_000_000)
            #expect(id > last)
            last = id
            seen.insert([id.0, id.1])
        }
        #expect(seen.count == 100_000)
    }

    @Test func wallClockIdsCarryTheCurrentMillisecond() {
        var generator = UUIDv7Generator()
        let before = UInt64(nowMicros() / 1000)
        let id = generator.next()
        let after = UInt64(nowMicros() / 1000)
        #expect((before...after).contains(id.0 >> 16))
    }
}
