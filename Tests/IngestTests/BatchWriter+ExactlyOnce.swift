import Foundation
import GatewayConfig
@testable import Ingest
import Postgres
import Telemetry
import Testing
import TestSupport

@Suite("BatchWriter: rows round-trip, stored exactly once")
struct BatchWriterExactlyOnceTests {
    @Test func rowsRoundTripExactly() async throws {
        let f = try await IngestFixture.make()
        let writer = try f.writer()
        var batch = ReadingBatch(capacity: 16)
        let t = micros(2026, 11, 25, 13, 14, 15, 123_456)
        batch.add(f.devices[0], f.temperature, 215_000, at: t, metadata: #"{"device_ts": "2030-01-01T00:00:00Z", "n": [1, 2.5]}"#)
        batch.add(f.devices[0], f.humidity, -999_999_999_999_999, at: t, quality: .bad)
        batch.add(f.devices[1], f.temperature, 1, at: micros(2000, 1, 1), quality: .uncertain)
        let result = try writer.write(batch)
        #expect(result.inserted == 3 && result.duplicates == 0 && result.rejects == 0)
        let rows = try f.db.execute("""
            SELECT id, device_id, value::text, quality_indicator, timestamp::text, metadata::text,
                   (created_at - (now() AT TIME ZONE 'UTC')) < interval '1 minute'
            FROM sensor_readings ORDER BY timestamp, value
            """).rows
        #expect(rows.count == 3)
        #expect(rows[0][2] == "0.0001" && rows[0][3] == "uncertain" && rows[0][4] == "2000-01-01 00:00:00" && rows[0][5] == "{}")
        #expect(rows[1][2] == "-99999999999.9999" && rows[1][3] == "bad")
        #expect(rows[2][1] == f.deviceText[0])
        #expect(rows[2][2] == "21.5000" && rows[2][3] == "good" && rows[2][4] == "2026-11-25 13:14:15.123456")
        #expect(rows[2][5] == #"{"n": [1, 2.5], "device_ts": "2030-01-01T00:00:00Z"}"#)
        #expect(rows.allSatisfy { $0[6] == "t" })
        // Ids: version 7, variant 10, distinct, their millisecond is about now.
        let ids = rows.map { $0[0]! }
        #expect(Set(ids).count == 3)
        for id in ids {
            let (high, low) = halves(id)
            #expect((high >> 12) & 0xF == 7 && low >> 62 == 0b10)
            #expect(abs(Int64(high >> 16) - nowMicros() / 1000) < 60_000)
        }
    }

    @Test(arguments: ExactlyOnceMode.allCases)
    func repeatsWithinAndAcrossBatchesAreStoredOnce(mode: ExactlyOnceMode) async throws {
        let f = try await IngestFixture.make()
        let writer = try f.writer(mode: mode)
        let t = micros(2026, 3, 1, 12)
        var first = ReadingBatch(capacity: 16)
        for i in 0..<10 { first.add(f.devices[0], f.temperature, Int64(i), at: t + Int64(i)) }
        first.add(f.devices[0], f.temperature, 77, at: t)  // within the batch
        let a = try writer.write(first)
        #expect(a.inserted == 10 && a.duplicates == 1)

        // Redelivery: 5 old readings (other values: the first stored wins) and 5 new ones.
        var second = ReadingBatch(capacity: 16)
        for i in 5..<15 { second.add(f.devices[0], f.temperature, 1000 + Int64(i), at: t + Int64(i)) }
        second.appendReject(receivedAtMicros: t, topic: "devices/x/telemetry", payload: [1], reason: .unknownDevice, detail: "x")
        let b = try writer.write(second)
        #expect(b.inserted == 5 && b.duplicates == 5 && b.rejects == 1)
        #expect(b.usedFallback == (mode == .optimistic))
        // The same batch again (a replayed spool): nothing new, and the rejects go in again (they are a log).
        let c = try writer.write(second)
        #expect(c.inserted == 0 && c.duplicates == 10)
        #expect(try f.count() == 15)
        #expect(try f.count("SELECT count(*) FROM sensor_readings WHERE value >= 0.1") == 5)
    }

    @Test func twoConnectionsWritingTheSameReadingsConcurrentlyStoreThemOnce() async throws {
        let f = try await IngestFixture.make()
        let writers = [try f.writer(), try f.writer()]
        let t = micros(2026, 6, 1)
        // Both get the same 20 batches of 500 readings, in opposite orders within each batch (deadlock bait).
        func batch(_ n: Int, reversed: Bool) -> ReadingBatch {
            var b = ReadingBatch(capacity: 500)
            let indices = reversed ? Array((0..<500).reversed()) : Array(0..<500)
            for i in indices {
                b.add(f.devices[i % 2], i % 4 < 2 ? f.temperature : f.humidity, Int64(i), at: t + Int64(n * 1000 + i / 4))
            }
            b.seal()
            return b
        }
        let results = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
            for (index, writer) in writers.enumerated() {
                let batches = (0..<20).map { batch($0, reversed: index == 1) }
                group.addTask {
                    var inserted = 0, duplicates = 0
                    for b in batches {
                        let r = try writer.write(b)
                        inserted += r.inserted
                        duplicates += r.duplicates
                    }
                    return (inserted, duplicates)
                }
            }
            return try await group.reduce(into: [(Int, Int)]()) { $0.append($1) }
        }
        #expect(results.map(\.0).reduce(0, +) == 10_000)
        #expect(results.map(\.1).reduce(0, +) == 10_000)
        #expect(try f.count() == 10_000)
        #expect(try f.count("SELECT count(DISTINCT (device_id, sensor_type_id, timestamp)) FROM sensor_readings") == 10_000)
    }

    @Test func aSpooledBatchWritesLikeTheOriginal() async throws {
        let f = try await IngestFixture.make()
        let writer = try f.writer()
        var batch = ReadingBatch(capacity: 4)
        batch.add(f.devices[0], f.temperature, 12_345, at: micros(2026, 2, 2), quality: .uncertain, metadata: #"{"k":"v"}"#)
        batch.appendReject(receivedAtMicros: micros(2026, 2, 2), topic: "devices/x/telemetry", payload: [0xC3, 0x28], reason: .malformedPayload, detail: "d")
        let restored = try ReadingBatch(serialized: batch.serialize())
        #expect(try writer.write(restored) == BatchWriteResult(inserted: 1, rejects: 1, partitionsCreated: ["sensor_readings_p20260202"]))
        #expect(try writer.write(batch).inserted == 0)  // the same ids and keys: a repeat
        #expect(try f.db.execute("SELECT value::text, quality_indicator, metadata->>'k' FROM sensor_readings").rows[0] == ["1.2345", "uncertain", "v"])
    }
}
