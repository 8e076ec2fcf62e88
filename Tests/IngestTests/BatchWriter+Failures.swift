import Foundation
import GatewayConfig
@testable import Ingest
import Postgres
import Telemetry
import Testing
import TestSupport

@Suite("BatchWriter: rejects, refused rows, lost connections")
struct BatchWriterFailureTests {
    @Test func rejectsAreStoredWithTheirExactBytes() async throws {
        let f = try await IngestFixture.make()
        let writer = try f.writer()
        var batch = ReadingBatch(capacity: 4)
        let invalidUTF8: [UInt8] = [0x7B, 0xFF, 0xFE, 0x00, 0xC3, 0x28, 0x7D]
        batch.appendReject(receivedAtMicros: micros(2026, 11, 25, 1, 2, 3, 4), topic: "devices/sn-1/telemetry",
                           payload: invalidUTF8, reason: .malformedPayload, detail: "not JSON")
        batch.appendReject(receivedAtMicros: micros(2026, 11, 25), topic: "devices/\u{0}odd/telemetry", payload: [],
                           reason: .unknownDevice, detail: "no device \"odd\"")
        let big = [UInt8](repeating: 0x41, count: 300_000)
        batch.appendReject(receivedAtMicros: micros(2026, 11, 25), topic: "devices/sn-1/telemetry", payload: big,
                           reason: .payloadTooLarge, detail: "300000 bytes > 262144")
        let result = try writer.write(batch)
        #expect(result == BatchWriteResult(rejects: 3))
        let rows = try f.db.execute("""
            SELECT received_at::text, topic, encode(payload, 'hex'), reason, detail, length(payload)
            FROM ingest_rejects ORDER BY id
            """).rows
        #expect(rows[0] == ["2026-11-25 01:02:03.000004", "devices/sn-1/telemetry", "7bfffe00c3287d", "malformed_payload", "not JSON", "7"])
        #expect(rows[1][1] == "devices/\u{FFFD}odd/telemetry" && rows[1][2] == "" && rows[1][3] == "unknown_device")
        #expect(rows[2][5] == "65536" && rows[2][3] == "payload_too_large")
        #expect(rows[2][4] == "300000 bytes > 262144 (payload truncated: first 65536 of 300000 bytes stored)")
    }

    @Test(arguments: ExactlyOnceMode.allCases)
    func aRowPostgresRefusesIsIsolatedAndTheOthersLand(mode: ExactlyOnceMode) async throws {
        let f = try await IngestFixture.make()
        try f.db.execute("ALTER TABLE sensor_readings ADD CONSTRAINT test_no_666 CHECK (value <> 666)")
        let writer = try f.writer(mode: mode)
        let t = micros(2026, 4, 4, 4)
        var batch = ReadingBatch(capacity: 1000)
        for i in 0..<1000 { batch.add(f.devices[i % 2], f.temperature, i == 613 ? 6_660_000 : Int64(i), at: t + Int64(i)) }
        batch.add(f.devices[0], f.humidity, 6_660_000, at: t, metadata: #"{"why":"bad too"}"#)
        // A deleted device (FK) is refused too, as unknown_device.
        try f.db.execute("INSERT INTO devices (id, name, device_type) VALUES ('0190a000-0000-7000-8000-000000000001', 'gone', 'x')")
        let gone = halves("0190a000-0000-7000-8000-000000000001")
        try f.db.execute("DELETE FROM devices WHERE name = 'gone'")
        batch.add(gone, f.temperature, 5, at: t)
        batch.appendReject(receivedAtMicros: t, topic: "devices/sn-1/telemetry", payload: [1, 2], reason: .unknownSensor, detail: "own")
        let result = try writer.write(batch)
        #expect(result.inserted == 999 && result.isolated == 3 && result.rejects == 4 && result.duplicates == 0)
        #expect(try f.count() == 999)
        let rejects = try f.db.execute("SELECT topic, reason, detail, convert_from(payload, 'UTF8') FROM ingest_rejects ORDER BY id").rows
        #expect(rejects.count == 4)
        #expect(rejects[0][1] == "unknown_sensor")
        let refused = rejects.dropFirst()
        #expect(refused.filter { $0[1] == "value_out_of_range" }.count == 2)
        #expect(refused.allSatisfy { $0[2]!.hasPrefix("PostgreSQL refused the reading: ") })
        #expect(refused.contains { $0[2]!.contains("test_no_666") && $0[2]!.contains("[SQLSTATE 23514]") })
        let fk = try #require(refused.first { $0[1] == "unknown_device" })
        #expect(fk[0] == "devices/0190a000-0000-7000-8000-000000000001/telemetry")
        #expect(fk[3]!.contains(#""value":0.0005"#))
        #expect(refused.contains { $0[3]!.hasSuffix(#""metadata":{"why":"bad too"}}"#) && $0[3]!.contains(#""value":666.0000"#) })
        // Retrying the same batch stores nothing twice.
        let again = try writer.write(batch)
        #expect(again.inserted == 0 && again.duplicates == 999 && again.isolated == 3)
    }

    @Test func aLostConnectionThrowsAndTheSameBatchWritesOnceAfterReconnect() async throws {
        let cluster = try await TestPostgres.start()
        defer { Task { await cluster.stop() } }
        let f = try await IngestFixture.make(on: cluster)
        let writer = try f.writer()
        var batch = ReadingBatch(capacity: 100)
        for i in 0..<100 { batch.add(f.devices[0], f.temperature, Int64(i), at: micros(2026, 7, 7) + Int64(i)) }
        batch.seal()
        #expect(try writer.write(batch).inserted == 100)  // partitions known; the spool would hold the next one
        var next = ReadingBatch(capacity: 100)
        for i in 0..<100 { next.add(f.devices[1], f.temperature, Int64(i), at: micros(2026, 7, 7) + Int64(i)) }
        next.seal()

        await cluster.stop()
        let error = try #require(throws: IngestWriteError.self) { try writer.write(next) }
        #expect(error.code == .connectionLost && error.isConnectionLevel)
        #expect(throws: IngestWriteError.self) { try writer.reconnect() }

        try await cluster.restart()
        try await waitUntil("the writer to reconnect") { (try? writer.reconnect()) != nil }
        #expect(try writer.write(next).inserted == 100)
        #expect(try writer.write(next).inserted == 0)  // written once, even if retried again
        let check = try PostgresConnection.connect(f.url)
        #expect(try check.execute("SELECT count(*) FROM sensor_readings").rows[0][0] == "200")
    }

    @Test func aMissingTableIsAServerLevelErrorNotData() async throws {
        let f = try await IngestFixture.make()
        try f.db.execute("DROP TABLE ingest_rejects")
        let writer = try f.writer()
        var batch = ReadingBatch(capacity: 1)
        batch.appendReject(receivedAtMicros: 0, topic: "t", payload: [], reason: .malformedPayload, detail: "")
        let error = try #require(throws: IngestWriteError.self) { try writer.write(batch) }
        #expect(error.code == .serverRefused && error.underlying.sqlState == "42P01")
    }
}
