import Foundation
import Postgres
import Testing
import TestSupport

/// "Nothing lost": database and broker outages, SIGTERM and SIGKILL, hostile input.
@Suite("Ingestion durability")
struct IngestDurabilityTests {
    static var recent: Int64 { Int64(Date().timeIntervalSince1970) - 7200 }

    @Test("PostgreSQL stopped while 2,000 readings arrive: all stored once after it returns")
    func databaseOutage() async throws {
        let cluster = try await TestPostgres.start()
        try await IngestFixture.with(cluster: cluster) { f in
            try f.publishBurst(messages: 50, startSecond: Self.recent)
            try await f.expectCount("SELECT count(*) FROM sensor_readings", 200)
            await cluster.stop()
            try f.publishBurst(messages: 500, startSecond: Self.recent + 1000)  // 2,000 readings while it is down
            try await f.gateway.waitForLog("batches go to the spool")
            try await waitUntil("batches in the spool") {
                (try? FileManager.default.contentsOfDirectory(atPath: "\(f.spoolDirectory)/batches"))?.contains { $0.hasSuffix(".spool") } ?? false
            }
            try await cluster.restart()
            try await f.expectCount("SELECT count(*) FROM sensor_readings", 2200, timeout: .seconds(60))
            #expect(try f.count("SELECT count(*) FROM (SELECT device_id, sensor_type_id, timestamp FROM sensor_readings GROUP BY 1, 2, 3 HAVING count(*) > 1) d") == 0)
        }
    }

    @Test("SIGTERM during a burst: everything acknowledged is stored after restart, exit 0")
    func sigtermDuringBurst() async throws {
        try await IngestFixture.with { f in
            let burst = Task.detached { try f.publishBurst(messages: 3000, startSecond: Self.recent) }
            try await waitUntil("some rows stored") { try f.count("SELECT count(*) FROM sensor_readings") > 100 }
            #expect(await f.gateway.terminate() == 0, "log:\n\(f.gateway.log.suffix(2000))")
            #expect(f.gateway.log.contains("ingest drained"))
            try await burst.value
            try await f.startGatewayAgain()
            try await f.expectCount("SELECT count(*) FROM sensor_readings", 12_000, timeout: .seconds(90))
        }
    }

    @Test("SIGKILL with acknowledged messages not yet in the database: all stored exactly once after restart")
    func sigkillWithAcknowledgedBacklog() async throws {
        let port = try freeLoopbackPort()
        try await IngestFixture.with(httpPort: port) { f in
            // Hold the table so every acknowledged message is still only in the ring when the gateway dies.
            let locker = try PostgresConnection.connect(f.databaseURL)
            defer { locker.close() }
            try locker.execute("BEGIN")
            try locker.execute("LOCK TABLE sensor_readings IN ACCESS EXCLUSIVE MODE")
            try f.publishBurst(messages: 3000, startSecond: Self.recent)
            try await waitUntil("the gateway received all 3,000 messages") {
                (f.metric("mash_mqtt_messages_received_total", port: port) ?? 0) >= 3000
            }
            await f.gateway.kill()
            #expect(try locker.execute("SELECT count(*) FROM sensor_readings")[0, "count"] == "0")
            try locker.execute("ROLLBACK")
            try await f.startGatewayAgain()
            try await f.expectCount("SELECT count(*) FROM sensor_readings", 12_000, timeout: .seconds(90))
            try await Task.sleep(for: .seconds(1))  // a redelivered duplicate would land now
            #expect(try f.count("SELECT count(*) FROM sensor_readings") == 12_000)
        }
    }

    @Test("broker restarted mid-stream: no loss")
    func brokerRestart() async throws {
        try await IngestFixture.with { f in
            try f.publishBurst(messages: 500, startSecond: Self.recent)
            try await f.expectCount("SELECT count(*) FROM sensor_readings", 2000)
            await f.broker.stop()
            try await f.broker.restart()
            try await f.gateway.waitForLog("connected to broker")
            try await waitUntil("the device probe reconnected") { f.device.client.isConnected }
            try f.publishBurst(messages: 500, startSecond: Self.recent + 1000)
            try await f.expectCount("SELECT count(*) FROM sensor_readings", 4000, timeout: .seconds(60))
        }
    }

    @Test("300 hostile payloads: the daemon stays up and a valid reading after them still lands")
    func hostilePayloads() async throws {
        try await IngestFixture.with { f in
            var generator = SystemRandomNumberGenerator()
            let hostile: [String] = [
                String(repeating: "[", count: 100_000), String(repeating: "{\"a\":", count: 5000), "\u{0}\u{1}\u{2}",
                "{\"ts\":1e999999999,\"readings\":{\"temperature\":1}}", "{\"temperature\":NaN}", "{\"temperature\":\"hot\"}",
                "[" + String(repeating: "{\"temperature\":1},", count: 2000) + "1]", "{\"readings\":{\"temperature\":1e400}}",
                "\u{FEFF}{\"temperature\":1}", "{\"ts\":\"9999-99-99T99:99:99Z\",\"temperature\":1}",
            ]
            for i in 0..<300 {
                if i < hostile.count {
                    try f.device.publish("devices/sn-kitchen/telemetry", hostile[i])
                } else {
                    let bytes = (0..<Int.random(in: 0...512, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
                    _ = try f.device.client.publish(topic: i % 2 == 0 ? "devices/sn-kitchen/telemetry" : "devices/sn-kitchen/sensors/temperature", payload: bytes, qos: .atLeastOnce)
                }
            }
            try f.device.publish("devices/sn-kitchen/telemetry", #"{"ts":\#(Self.recent * 1000),"readings":{"temperature":22.25}}"#)
            try await waitUntil("the valid reading after the hostile ones", timeout: .seconds(60)) {
                try f.count("SELECT count(*) FROM sensor_readings WHERE value = 22.25") == 1
            }
            #expect(f.gateway.process.isRunning)
            #expect(try f.count("SELECT count(*) FROM ingest_rejects") >= 250)
        }
    }
}
