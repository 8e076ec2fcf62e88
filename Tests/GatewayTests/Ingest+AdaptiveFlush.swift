import Foundation
import Testing
import TestSupport

/// Issue 14: a batch goes as soon as a writer is free; `ingest.flush_interval_ms` is only the bound.
@Suite("Ingestion: latency follows the load", .timeLimit(.minutes(3)))
struct IngestAdaptiveFlushTests {
    static let base = (Int64(Date().timeIntervalSince1970) / 60 - 60) * 60

    /// With the interval at its maximum (60 s), only the free-writer rule can store these within the
    /// deadline; each message is published after the previous one is stored, so a writer is idle each time.
    @Test("with a writer free, lone readings are stored long before flush_interval_ms (60 s here)")
    func loneReadingsGoAtOnce() async throws {
        try await IngestFixture.with(ingest: "flush_interval_ms: 60000") { f in
            for i in 0..<3 {
                try f.device.publish("devices/sn-kitchen/telemetry", #"{"ts":\#((Self.base + Int64(i)) * 1000),"readings":{"temperature":21.5}}"#)
                try await f.expectCount("SELECT count(*) FROM sensor_readings", i + 1, timeout: .seconds(30))
            }
        }
    }

    /// Switched off, the interval (60 s) holds a part-filled batch; `batch_size` still sends a full one.
    @Test("flush_when_writer_free: false waits for batch_size rows or the interval")
    func switchedOffWaitsForAFullBatch() async throws {
        try await IngestFixture.with(ingest: "flush_interval_ms: 60000\nbatch_size: 4\nflush_when_writer_free: false") { f in
            try f.device.publish("devices/sn-kitchen/telemetry", #"{"ts":\#(Self.base * 1000),"readings":{"temperature":21.5,"humidity":40}}"#)
            // Long enough for a free writer to have stored it many times over (the test above: milliseconds).
            try await Task.sleep(for: .seconds(2))
            #expect(try f.count("SELECT count(*) FROM sensor_readings") == 0)
            try f.device.publish("devices/sn-kitchen/telemetry", #"{"ts":\#((Self.base + 1) * 1000),"readings":{"temperature":21.6,"humidity":41}}"#)
            try await f.expectCount("SELECT count(*) FROM sensor_readings", 4, timeout: .seconds(30))
        }
    }
}
