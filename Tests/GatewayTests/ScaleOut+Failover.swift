import Foundation
import Synchronization
import Testing
import TestSupport

extension ScaleOutIntegrationTests {
    /// CONTRACT §8: a primary and a synchronous streaming standby named in `database.url`.
    @Suite("Failover to a promoted standby", .timeLimit(.minutes(3)))
    struct FailoverTests {
        @Test("primary stopped -m immediate, standby promoted: every reading stored once, commands and presence resume")
        func promotedStandbyTakesOver() async throws {
            let primary = try await TestPostgres.start()
            let direct = try await primary.migratedDatabase()
            let name = String(direct.split(separator: "/").last!)
            _ = try primary.psql("INSERT INTO devices (name, device_type, serial_number) VALUES ('Kitchen sensor', 'esp32', 'sn-kitchen')", database: name)
            let standby = try await primary.startStandby()
            let broker = try await TestBroker.start()
            // The standby first: libpq meets a read-only server before the writable one, every time.
            let url = "postgres://mash:mash-test@127.0.0.1:\(standby.port),127.0.0.1:\(primary.port)/\(name)?target_session_attrs=read-write"
            let port = try freeLoopbackPort()
            let config = try testGatewayConfig(mqttURL: broker.url, databaseURL: url, httpPort: port, extra: """
                presence:
                  sweep_interval_ms: 100
                commands:
                  poll_interval_s: 1
                """)
            let gateway = try GatewayProcess.start(config: config)
            let device = try await MQTTProbe.connect(broker.url, subscribe: ["devices/sn-kitchen/commands/+"])
            defer { device.close() }
            do {
                try await gateway.waitForLog("commands ready")
                // Every message counted below must reach the gateway: none may race its first SUBSCRIBE.
                try await gateway.waitForSubscriptions()
                func sql(_ query: String, on cluster: TestPostgres) throws -> String { try cluster.psql(query, database: name) }
                func stored(on cluster: TestPostgres) -> Int { Int((try? sql("SELECT count(*) FROM sensor_readings", on: cluster)) ?? "") ?? -1 }

                // A device publishing 4 readings every 10 ms at QoS 1 throughout.
                let published = Atomic<Int>(0)
                let stop = Atomic<Bool>(false)
                let base = Int64(Date().timeIntervalSince1970) * 1000 - 3_600_000
                let publisher = Task {
                    while !stop.load(ordering: .relaxed) {
                        let i = Int64(published.load(ordering: .relaxed))
                        try device.publish("devices/sn-kitchen/telemetry",
                                           #"{"ts":\#(base + i),"readings":{"temperature":\#(i % 50),"humidity":40,"pressure":1000,"co2":400}}"#)
                        published.add(1, ordering: .relaxed)
                        try await Task.sleep(for: .milliseconds(10))
                    }
                }
                try await waitUntil("readings on the primary", every: .milliseconds(100)) { stored(on: primary) >= 400 }

                let clock = ContinuousClock()
                let stoppedAt = clock.now
                let publishedBeforeStop = published.load(ordering: .relaxed)
                let stopWallMillis = Int64(Date().timeIntervalSince1970 * 1000)
                try await primary.shutDownImmediately()
                let publishedAtStop = published.load(ordering: .relaxed)
                let atStop = stored(on: standby)  // synchronous commit: everything acknowledged is here
                try await Task.sleep(for: .seconds(2))
                try await standby.promote()
                let publishedAtPromotion = published.load(ordering: .relaxed)
                let promotedWallMillis = Int64(Date().timeIntervalSince1970 * 1000)
                let firstWrite = try await waitFor("the first write on the new primary", timeout: .seconds(60), every: .milliseconds(100)) {
                    stored(on: standby) > atStop ? clock.now : nil
                }
                let publishedAtFirstWrite = published.load(ordering: .relaxed)
                try await Task.sleep(for: .seconds(2))
                stop.store(true, ordering: .relaxed)
                try await publisher.value
                let total = published.load(ordering: .relaxed) * 4
                do {
                    try await waitUntil("all \(total) readings on the new primary (now \(stored(on: standby)))", timeout: .seconds(60)) {
                        stored(on: standby) >= total
                    }
                } catch {
                    // Which messages (i: ts = base + i ms) are missing, and where they fall relative to the failover.
                    let messages = total / 4
                    func gaps(on cluster: TestPostgres) -> String {
                        (try? sql("""
                            WITH got AS (SELECT round(extract(epoch FROM timestamp) * 1000)::bigint - \(base) AS i, count(*) AS n
                                         FROM sensor_readings GROUP BY 1),
                                 missing AS (SELECT g AS i FROM generate_series(0, \(messages - 1)) g
                                             WHERE NOT EXISTS (SELECT 1 FROM got WHERE got.i = g AND got.n = 4)),
                                 runs AS (SELECT i, i - row_number() OVER (ORDER BY i) AS run FROM missing)
                            SELECT coalesce(string_agg(lo || '-' || hi || ' (neighbours decoded at ' ||
                                   coalesce((SELECT max(('x' || substr(replace(s.id::text, '-', ''), 1, 12))::bit(48)::bigint) - \(stopWallMillis)
                                             FROM sensor_readings s WHERE s.timestamp = 'epoch'::timestamp + (\(base) + lo - 1) * interval '1 millisecond')::text, '?')
                                   || ' / ' ||
                                   coalesce((SELECT max(('x' || substr(replace(s.id::text, '-', ''), 1, 12))::bit(48)::bigint) - \(stopWallMillis)
                                             FROM sensor_readings s WHERE s.timestamp = 'epoch'::timestamp + (\(base) + hi + 1) * interval '1 millisecond')::text, '?')
                                   || ' ms after the stop)', ', ' ORDER BY lo), 'none')
                            FROM (SELECT min(i) AS lo, max(i) AS hi FROM runs GROUP BY run) r
                            """, on: cluster)) ?? "?"
                    }
                    let metrics = (try? httpGet(port: port, path: "/metrics").body)?
                        .split(separator: "\n").filter { $0.hasPrefix("mash_ring") || $0.hasPrefix("mash_spool") || $0.hasPrefix("mash_batches") || $0.hasPrefix("mash_readings") }
                        .joined(separator: "\n") ?? "?"
                    let onStandby = gaps(on: standby)
                    try? await primary.startAgain()
                    let onOldPrimary = gaps(on: primary)
                    Issue.record("""
                        missing messages (i) on the new primary: \(onStandby); on the old primary (restarted afterwards): \(onOldPrimary)
                        published before the stop \(publishedBeforeStop), at the stop \(publishedAtStop), at the promotion \(publishedAtPromotion), at the first write \(publishedAtFirstWrite), in all \(messages); promoted \(promotedWallMillis - stopWallMillis) ms after the stop; PUBACKs \(device.acknowledgedPublishes)
                        \(metrics)
                        gateway log:
                        \(gateway.log.suffix(6000))
                        """)
                    throw error
                }
                #expect(stored(on: standby) == total)
                #expect(try sql("SELECT count(*) FROM (SELECT 1 FROM sensor_readings GROUP BY device_id, sensor_type_id, timestamp HAVING count(*) > 1) d", on: standby) == "0")
                #expect(try sql("SELECT count(*) FROM ingest_rejects", on: standby) == "0")
                #expect(gateway.process.isRunning, "the gateway exited:\n\(gateway.log.suffix(3000))")
                let spooled = (try? httpGet(port: port, path: "/metrics").body)?
                    .split(separator: "\n").first { $0.hasPrefix("mash_batches_spooled_total ") }
                    .flatMap { Double($0.split(separator: " ")[1]) } ?? 0
                let gap = firstWrite - stoppedAt
                print("failover: \(total) readings, none lost or doubled; \(gap) from the primary's stop to the first write on the promoted standby (2 s of it before the promotion); \(Int(spooled)) batches spooled meanwhile")
                #expect(spooled > 0, "the outage should have been bridged by the spool")

                // Commands and presence carry on against the new primary.
                try device.publish("devices/sn-kitchen/status", "offline")
                try await waitUntil("offline on the new primary") { try sql("SELECT status FROM devices", on: standby) == "offline" }
                try device.publish("devices/sn-kitchen/heartbeat", "")
                try await waitUntil("online on the new primary") { try sql("SELECT status FROM devices", on: standby) == "online" }
                let id = try sql("INSERT INTO device_commands (device_id, command_type, command_data) SELECT id, 'reboot', '{}' FROM devices RETURNING id", on: standby)
                try await device.waitForMessage(on: "devices/sn-kitchen/commands/\(id)", timeout: .seconds(15))
                try device.publish("devices/sn-kitchen/commands/\(id)/result", #"{"status":"completed"}"#)
                try await waitUntil("the command completed on the new primary") {
                    try sql("SELECT status FROM device_commands WHERE id = '\(id)'", on: standby) == "completed"
                }
                #expect(await gateway.terminate() == 0)
            } catch {
                await gateway.kill()
                throw error
            }
            await standby.stop()
            await broker.stop()
        }
    }
}
