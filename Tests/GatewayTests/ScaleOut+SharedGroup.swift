import Foundation
import Synchronization
import Testing
import TestSupport

extension ScaleOutIntegrationTests {
    /// CONTRACT §8: several gateways in one `mqtt.shared_group`, one of them killed and restarted.
    @Suite("Two gateways in one shared group", .timeLimit(.minutes(3)))
    struct SharedGroupTests {
        @Test("4,400 readings at QoS 1 while one member is SIGKILLed and restarted: each stored once; each command sent once")
        func oneMemberKilledMidStream() async throws {
            let postgres = try await TestPostgres.shared()
            let databaseURL = try await postgres.migratedDatabase()
            let name = String(databaseURL.split(separator: "/").last!)
            func sql(_ query: String) throws -> String { try postgres.psql(query, database: name) }
            func count(_ query: String) -> Int { Int((try? sql(query)) ?? "") ?? -1 }
            let devices = (1...20).map { String(format: "sn-g-%02d", $0) }
            _ = try sql("INSERT INTO devices (name, device_type, serial_number) SELECT s, 'esp32', s FROM unnest('{\(devices.joined(separator: ","))}'::text[]) s")
            let broker = try await TestBroker.start()
            let extra = "presence:\n  sweep_interval_ms: 100\ncommands:\n  poll_interval_s: 1\n"
            func memberConfig(_ id: String) throws -> String {
                try testGatewayConfig(mqttURL: broker.url, databaseURL: databaseURL, clientID: id, extra: extra)
                    .replacingOccurrences(of: "mqtt:\n", with: "mqtt:\n  shared_group: fleet\n")
            }
            let configA = try memberConfig("gw-a-\(UInt32.random(in: 0...UInt32.max))")
            let members = Mutex([try GatewayProcess.start(config: configA),
                                 try GatewayProcess.start(config: memberConfig("gw-b-\(UInt32.random(in: 0...UInt32.max))"))])
            func logs() -> String { members.withLock { $0 }.map { $0.log.suffix(2500) }.joined(separator: "\n----\n") }
            let publisher = try await MQTTProbe.connect(broker.url)
            let responder = try await MQTTProbe.connect(broker.url, subscribe: ["devices/+/commands/+"])
            defer {
                publisher.close()
                responder.close()
            }
            do {
                for member in members.withLock({ $0 }) {
                    try await member.waitForLog("commands ready")
                    try await member.waitForLog("connected to broker")
                }
                // A heartbeat published before either member's shared subscription is in place reaches
                // nobody (the broker drops it): publish again for the devices not online yet.
                try await waitUntil("every device online", every: .milliseconds(500)) {
                    let online = Set(try sql("SELECT serial_number FROM devices WHERE status = 'online'").split(separator: "\n").map(String.init))
                    for device in devices where !online.contains(device) { try publisher.publish("devices/\(device)/heartbeat", "") }
                    return online.count == devices.count
                }

                // The devices answer every command they receive once: ack, then result.
                let stopAnswering = Atomic<Bool>(false)
                let answering = Task {
                    var answered = Set<String>()
                    while !stopAnswering.load(ordering: .relaxed) {
                        for message in responder.received where !answered.contains(message.topic) {
                            answered.insert(message.topic)
                            try publisher.publish(message.topic + "/ack", "")
                            try publisher.publish(message.topic + "/result", #"{"status":"completed"}"#)
                        }
                        try await Task.sleep(for: .milliseconds(20))
                    }
                }

                // 1,100 messages of 4 readings, spread over the devices, each reading distinct; commands
                // inserted by SQL along the way; member A killed at 40 % and restarted a second later.
                let base = Int64(Date().timeIntervalSince1970) * 1000 - 3_600_000
                let messages = 1_100
                var commandIDs: [String] = []
                var killedLog = ""
                for i in 0..<messages {
                    let device = devices[i % devices.count]
                    try publisher.publish("devices/\(device)/telemetry",
                                          #"{"ts":\#(base + Int64(i)),"readings":{"temperature":\#(i % 40),"humidity":40,"pressure":1000,"co2":400}}"#)
                    if i % 55 == 0 {
                        commandIDs.append(try sql("""
                            INSERT INTO device_commands (device_id, command_type, command_data, timeout_seconds, max_retries)
                            SELECT id, 'reboot', '{}', 5, 3 FROM devices WHERE serial_number = '\(device)' RETURNING id
                            """))
                    }
                    if i == messages * 2 / 5 {
                        let killed = members.withLock { $0[0] }
                        await killed.kill()
                        killedLog = killed.log
                        try await Task.sleep(for: .seconds(1))
                        let restarted = try GatewayProcess.start(config: configA)
                        members.withLock { $0[0] = restarted }
                    }
                    try await Task.sleep(for: .milliseconds(4))
                }

                let total = messages * 4
                try await waitUntil("all \(total) readings stored (now \(count("SELECT count(*) FROM sensor_readings"))); logs:\n\(logs())",
                                    timeout: .seconds(60), every: .milliseconds(200)) {
                    count("SELECT count(*) FROM sensor_readings") >= total
                }
                #expect(count("SELECT count(*) FROM sensor_readings") == total)
                // The restarted member resumed its broker session (what was queued for it while dead came back to it).
                let restarted = members.withLock { $0[0] }
                #expect(restarted.log.contains("connected to broker session_present=true"), "\(restarted.log.suffix(2000))")
                #expect(count("SELECT count(*) FROM ingest_rejects") == 0)

                try await waitUntil("every command finished (\(try sql("SELECT string_agg(status, ',') FROM device_commands")))",
                                    timeout: .seconds(60), every: .milliseconds(200)) {
                    count("SELECT count(*) FROM device_commands WHERE status NOT IN ('completed', 'failed', 'timeout')") == 0
                }
                stopAnswering.store(true, ordering: .relaxed)
                try await answering.value
                #expect(count("SELECT count(*) FROM device_commands WHERE status = 'completed'") == commandIDs.count)
                // Sends seen by the device: never an attempt twice, and every attempt the row records,
                // except one lost with the killed member. A claim commits `sent` before the publish
                // leaves the process, so a SIGKILL between the two costs that attempt: the row counts it
                // and the restarted member re-sends as the next one (at most once per attempt rather
                // than sending an attempt twice; CommandStore.claimPending). Only the commands in flight
                // at the kill can lose one, and each at most one.
                var lostAttempts: [String] = []
                let survivorsLog = members.withLock { $0 }.map(\.log).joined(separator: "\n")
                for id in commandIDs {
                    let device = try sql("SELECT d.serial_number FROM device_commands c JOIN devices d ON d.id = c.device_id WHERE c.id = '\(id)'")
                    let attempts = responder.received(on: "devices/\(device)/commands/\(id)").compactMap { jsonObject($0.payloadString)["attempt"] as? Int }
                    let retries = Int(try sql("SELECT COALESCE(retry_count, 0) FROM device_commands WHERE id = '\(id)'")) ?? -1
                    let recorded = Set(1...max(1, retries + 1))
                    let missing = recorded.subtracting(attempts)
                    #expect(retries >= 0 && Set(attempts).count == attempts.count && recorded.isSuperset(of: attempts) && missing.count <= 1,
                            "command \(id): attempts \(attempts), retry_count \(retries)")
                    for attempt in missing {
                        #expect(!survivorsLog.localizedCaseInsensitiveContains("command sent attempt=\(attempt) command_id=\(id)"),
                                "command \(id): attempt \(attempt) never arrived, yet a member that was not killed sent it")
                        let killedLines = killedLog.split(separator: "\n").filter { $0.localizedCaseInsensitiveContains(id) }
                        lostAttempts.append("\(id): attempts \(attempts), retry_count \(retries); killed member's lines: \(killedLines)")
                    }
                }
                #expect(lostAttempts.count <= 2, "more commands lost an attempt than can be in flight at one kill: \(lostAttempts)")
                for member in members.withLock({ $0 }) { #expect(await member.terminate() == 0) }
            } catch {
                for member in members.withLock({ $0 }) { await member.kill() }
                throw error
            }
            await broker.stop()
        }
    }
}
