import Foundation
import Testing
import TestSupport

@Suite("Ingest: reject payloads capped per device and hour", .timeLimit(.minutes(2)))
struct IngestRejectCapTests {
    @Test("beyond ingest.reject_payload_bytes_per_device_hour the row keeps reason and detail, not the payload; counted")
    func capOmitsPayloads() async throws {
        // The budget is per clock hour: do not start seconds before one ends.
        try await waitUntil("not within 20 s of the end of an hour", timeout: .seconds(30), every: .seconds(1)) {
            Int(Date().timeIntervalSince1970) % 3600 < 3580
        }
        let port = try freeLoopbackPort()
        try await IngestFixture.with(ingest: "reject_payload_bytes_per_device_hour: 100", httpPort: port) { fixture in
            let bad = "{" + String(repeating: "x", count: 59)  // 60 bytes, malformed JSON
            for _ in 0..<3 { try fixture.device.publish("devices/sn-kitchen/telemetry", bad) }
            try fixture.device.publish("devices/garage/telemetry", bad)
            try await fixture.expectCount("SELECT count(*) FROM ingest_rejects", 4)
            // In the order received: writers commit batches in parallel, so ids need not follow it.
            #expect(try fixture.sql("""
                SELECT length(payload) FROM ingest_rejects WHERE topic = 'devices/sn-kitchen/telemetry' ORDER BY received_at, id
                """) == "60\n0\n0")
            #expect(try fixture.count("SELECT count(*) FROM ingest_rejects WHERE reason = 'malformed_payload' AND detail LIKE '%ingest.reject_payload_bytes_per_device_hour%'") == 2)
            #expect(try fixture.count("SELECT length(payload) FROM ingest_rejects WHERE topic = 'devices/garage/telemetry'") == 60, "another device has its own budget")
            try await waitUntil("the cut counters on /metrics") {
                fixture.metric("mash_ingest_reject_payload_bytes_cut_total", port: port) == 120
                    && fixture.metric("mash_ingest_reject_payloads_cut_total", port: port) == 2
            }
        }
    }
}
