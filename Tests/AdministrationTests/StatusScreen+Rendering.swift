@testable import Administration
import Testing

@Suite("StatusScreen rendering")
struct StatusScreenRenderingTests {
    /// 2026-12-05 09:20:01 UTC.
    static let now: Int64 = 1_796_462_401_000_000

    static func snapshot(daemon: StatusSnapshot.Daemon) -> StatusSnapshot {
        var snapshot = StatusSnapshot(takenAtMicros: now, daemon: daemon)
        snapshot.devices.total = 1_204
        snapshot.devices.online = 1_200
        snapshot.devices.offline = 4
        snapshot.readings.lastMinute = 59_880
        snapshot.readings.lastHour = 3_600_125
        snapshot.readings.newestMicros = now - 3_200_000
        snapshot.rejects.lastHour = 7
        snapshot.rejects.lastHourByReason = ["unknown_sensor": 2, "unknown_device": 5]
        snapshot.commands["sent"] = 3
        snapshot.commands["completed"] = 1_500
        snapshot.commands["timeout"] = 2
        snapshot.alerts.open = 3
        snapshot.alerts.openBySeverity["high"] = 1
        snapshot.alerts.openBySeverity["medium"] = 2
        return snapshot
    }

    @Test("a running daemon: every concern on one aligned line, with units and ages")
    func answering() {
        var daemon = StatusSnapshot.Daemon(address: "127.0.0.1:9108")
        daemon.answering = true
        daemon.ringDepthMessages = 12
        daemon.ringUsedBytes = 3_072
        daemon.spoolBatches = 0
        daemon.spoolBytes = 0
        #expect(StatusScreen.render(Self.snapshot(daemon: daemon)) == """
            mash-gateway status at 2026-12-05 09:20:01 UTC
            devices   1,204 total, 1,200 online, 4 offline
            readings  59,880 in the last minute, 3,600,125 in the last hour; newest 3 s ago
            rejects   7 in the last hour: unknown_device 5, unknown_sensor 2
            commands  pending 0, sent 3, acknowledged 0; last 24 h: completed 1,500, failed 0, timeout 2
            alerts    3 open: critical 0, high 1, medium 2, low 0
            daemon    answering at 127.0.0.1:9108; ring 12 messages (3.0 KiB), spool 0 batches (0 B)

            """)
    }

    @Test("a daemon that does not answer is said so, with the reason; an empty table has no newest reading")
    func notAnswering() {
        var daemon = StatusSnapshot.Daemon(address: "127.0.0.1:9108")
        daemon.problem = "nothing listening on 127.0.0.1:9108 (Connection refused)"
        var snapshot = Self.snapshot(daemon: daemon)
        snapshot.readings = StatusSnapshot.Readings()
        let text = StatusScreen.render(snapshot)
        #expect(text.contains("daemon    daemon not answering at 127.0.0.1:9108: nothing listening on 127.0.0.1:9108 (Connection refused)\n"))
        #expect(text.contains("readings  0 in the last minute, 0 in the last hour; none stored yet\n"))
        #expect(StatusScreen.render(Self.snapshot(daemon: StatusSnapshot.Daemon(address: nil))).contains("daemon    not asked (http.listen is empty)"))
    }
}

@Suite("PrometheusText and Quantity")
struct PrometheusTextParsingTests {
    @Test("values summed over label sets; comments, timestamps and junk skipped")
    func parse() {
        let metrics = PrometheusText("""
            # HELP mash_ring_depth_messages x
            # TYPE mash_ring_depth_messages gauge
            mash_ring_depth_messages 42
            mash_ingest_rejects_total{reason="unknown_device"} 3
            mash_ingest_rejects_total{reason="a } b"} 4 1700000000000
            garbage line here
            mash_spool_bytes 1.5e3
            """)
        #expect(metrics["mash_ring_depth_messages"] == 42)
        #expect(metrics["mash_ingest_rejects_total"] == 7)
        #expect(metrics["mash_spool_bytes"] == 1500)
        #expect(metrics["mash_absent"] == nil)
    }

    @Test("counts and bytes as a terminal shows them")
    func quantities() {
        #expect(Quantity.count(0) == "0")
        #expect(Quantity.count(999) == "999")
        #expect(Quantity.count(1_000) == "1,000")
        #expect(Quantity.count(-1_234_567) == "-1,234,567")
        #expect(Quantity.bytes(512) == "512 B")
        #expect(Quantity.bytes(1_536) == "1.5 KiB")
        #expect(Quantity.bytes(16 * 1_048_576) == "16.0 MiB")
    }
}

@Suite("MetricsScrape response parsing")
struct MetricsScrapeParsingTests {
    @Test("a chunked body is reassembled; a non-200 status is an error naming it")
    func chunked() throws {
        let response = Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nmash_r\r\nc;ext=1\r\ning_depth 5\n\r\n0\r\n\r\n".utf8)
        #expect(try MetricsScrape.body(of: response, from: "x") == "mash_ring_depth 5\n")
        let plain = Array("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nabcd".utf8)
        #expect(MetricsScrape.completeLength(plain) == plain.count)
        #expect(throws: MetricsScrape.Failure.self) { try MetricsScrape.body(of: Array("HTTP/1.1 503 Service Unavailable\r\n\r\n".utf8), from: "x") }
    }
}
