import Foundation
import Postgres
import Testing
import TestSupport

extension ControlIntegrationTests {
    /// A control message leaves the ring only once its effect is committed: SIGKILL between the
    /// gateway taking a heartbeat, an ack or an operator request (its PUBACK sent, so the broker
    /// never delivers it again) and its worker committing the effect loses none of them.
    ///
    /// Each test holds a lock the worker's write needs, waits until the worker is blocked on it
    /// (so the message went through the ring and the worker has it, uncommitted), has telemetry
    /// stored behind it (so the writers' durable point, and with it the ring's release point, moves
    /// past the control record unless the fence holds it), kills the gateway, ends its database
    /// sessions (nothing half-done commits later) and starts it again. Without the readings behind
    /// it, whether the release point had moved past the record by the kill was a race (a turn of
    /// the consumer after an empty batch went through the writers), so the test could pass without
    /// the fence; the readings make that move certain.
    @Suite("Control messages survive SIGKILL", .timeLimit(.minutes(3)))
    struct ControlCrashSafetyTests {
        @Test("a heartbeat taken but not yet written is stored after a SIGKILL and restart")
        func heartbeat() async throws {
            try await IngestFixture.withControl { f in
                try await f.bringOnline()
                try await f.expectSQL("SELECT last_heartbeat IS NOT NULL FROM devices WHERE serial_number = 'sn-kitchen'", "t")
                let locker = try f.lock("SELECT id FROM devices WHERE serial_number = 'sn-kitchen' FOR UPDATE")
                defer { locker.close() }
                try f.device.publish("devices/sn-kitchen/heartbeat", #"{"uptime_s":12,"firmware":"7.7.7"}"#)
                try await f.killWhileBlocked("mash-gateway presence", locker: locker, readingsFrom: "02:00:00:00:00:02")
                #expect(try f.device("firmware_version") != "7.7.7", "the heartbeat was written before the kill; the test proves nothing")
                try await f.startGatewayAgain()
                try await f.expectSQL("SELECT firmware_version FROM devices WHERE serial_number = 'sn-kitchen'", "7.7.7")
            }
        }

        @Test("an ack taken but not yet written is applied after a SIGKILL and restart; the command is sent once")
        func ack() async throws {
            try await IngestFixture.withControl { f in
                let device = try await f.probe(["devices/sn-kitchen/commands/+"])
                defer { device.close() }
                try await f.bringOnline()
                // Long enough that a lost ack would show as a resend only after the wait below.
                let id = try f.insertCommand(timeout: 20, maxRetries: 3)
                try await device.waitForMessage(on: "devices/sn-kitchen/commands/\(id)")
                try await f.expectCommand(id, "status", "sent")
                let locker = try f.lock("SELECT id FROM device_commands WHERE id = '\(id)' FOR UPDATE")
                defer { locker.close() }
                try f.device.publish("devices/sn-kitchen/commands/\(id)/ack", "")
                try await f.killWhileBlocked("mash-gateway commands", locker: locker, readingsFrom: "sn-kitchen")
                #expect(try f.command(id) == "sent", "the ack was written before the kill; the test proves nothing")
                try await f.startGatewayAgain()
                try await f.expectCommand(id, "status || ' ' || retry_count", "acknowledged 0")
                #expect(device.commands(id).count == 1)
                #expect(device.commands(id).first?["attempt"] as? Int == 1)
            }
        }

        @Test("an operator request taken but not yet handled is answered after a SIGKILL and restart, once")
        func operatorRequest() async throws {
            try await IngestFixture.withControl { f in
                _ = try f.insertUser("admin@example.com", role: "admin")
                let operatorProbe = try await f.probe(["operators/admin@example.com/responses"])
                defer { operatorProbe.close() }
                let locker = try f.lock("LOCK TABLE audit_logs IN EXCLUSIVE MODE")
                defer { locker.close() }
                try operatorProbe.publish("operators/admin@example.com/commands", #"{"device":"sn-kitchen","type":"reboot","request_id":"r-crash"}"#)
                try await f.killWhileBlocked("mash-gateway commands", locker: locker, readingsFrom: "sn-kitchen")
                #expect(try f.count("SELECT count(*) FROM device_commands") == 0, "the request was handled before the kill; the test proves nothing")
                try await f.startGatewayAgain()
                let answer = try await withGatewayLog(f) { try await operatorProbe.waitForMessage(on: "operators/admin@example.com/responses") }
                let response = jsonObject(answer.payloadString)
                #expect(response["request_id"] as? String == "r-crash")
                #expect(response["status"] as? String == "pending")
                #expect(try f.count("SELECT count(*) FROM device_commands") == 1)
                #expect(try f.count("SELECT count(*) FROM audit_logs WHERE request_id = 'r-crash'") == 1)
            }
        }

        /// CONTRACT §4: each accepted request writes its command and audit row; issue 13: the answer
        /// is written in the same transaction. Killed while the answer's write waits, nothing of the
        /// request may be committed, so its replay (no `request_id` to match it by) makes one command.
        @Test("an operator request killed before its answer is written leaves nothing; after restart: one command, one audit row, one answer")
        func operatorAnswerWithCommand() async throws {
            try await IngestFixture.withControl { f in
                _ = try f.insertUser("admin@example.com", role: "admin")
                let operatorProbe = try await f.probe(["operators/admin@example.com/responses"])
                defer { operatorProbe.close() }
                let locker = try f.lock("LOCK TABLE gateway_outbox IN EXCLUSIVE MODE")
                defer { locker.close() }
                try operatorProbe.publish("operators/admin@example.com/commands", #"{"device":"sn-kitchen","type":"reboot"}"#)
                // Readings of the other device: sn-kitchen stays offline, so its command stays pending (one answer).
                try await f.killWhileBlocked("mash-gateway commands", locker: locker, readingsFrom: "02:00:00:00:00:02")
                #expect(try f.count("SELECT count(*) FROM device_commands") == 0, "the command committed without its answer")
                try await f.startGatewayAgain()
                try await f.expectSQL("SELECT count(*) FROM gateway_outbox WHERE topic = 'operators/admin@example.com/responses' AND published_at IS NOT NULL", "1")
                try await waitUntil("the answer received") { !operatorProbe.received(on: "operators/admin@example.com/responses").isEmpty }
                #expect(try f.count("SELECT count(*) FROM device_commands") == 1)
                #expect(try f.count("SELECT count(*) FROM audit_logs WHERE action = 'command.create'") == 1)
                let answers = operatorProbe.received(on: "operators/admin@example.com/responses").map { jsonObject($0.payloadString) }
                #expect(answers.map { $0["status"] as? String } == ["pending"])
            }
        }
    }
}

/// Runs `body`; when it throws, records the gateway's log with the failure.
private func withGatewayLog<T>(_ f: IngestFixture, _ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch {
        Issue.record("gateway log:\n\(f.gateway.log.suffix(6000))")
        throw error
    }
}

extension IngestFixture {
    /// A connection holding `statement`'s lock in an open transaction (closed by the caller).
    func lock(_ statement: String) throws -> PostgresConnection {
        let locker = try PostgresConnection.connect(databaseURL, applicationName: "test lock holder")
        try locker.execute("BEGIN")
        try locker.execute(statement)
        return locker
    }

    /// Waits until the gateway's `application` session waits on a lock, has readings of `device`
    /// stored behind the blocked control message, SIGKILLs the gateway, ends its sessions (so the
    /// blocked statement never commits) and releases `locker`'s lock.
    func killWhileBlocked(_ application: String, locker: PostgresConnection, readingsFrom device: String) async throws {
        let sessions = "FROM pg_stat_activity WHERE datname = '\(databaseName)'"
        try await waitUntil("\(application) waiting on the held lock", timeout: .seconds(20)) {
            try count("SELECT count(*) \(sessions) AND application_name = '\(application)' AND wait_event_type = 'Lock'") == 1
        }
        try await storeReadingsBehind(device: device)
        #expect(try count("SELECT count(*) \(sessions) AND application_name = '\(application)' AND wait_event_type = 'Lock'") == 1,
                "\(application) no longer blocked when the readings behind its message were stored")
        await gateway.kill()
        _ = try sql("SELECT count(pg_terminate_backend(pid)) \(sessions) AND application_name LIKE 'mash-gateway%'")
        try await waitUntil("the killed gateway's sessions gone") {
            try count("SELECT count(*) \(sessions) AND application_name LIKE 'mash-gateway%'") == 0
        }
        try locker.execute("ROLLBACK")
    }

    /// Stores two telemetry messages of `device`, one after the other, after the control message
    /// whose worker is blocked. The consumer releases the ring at the top of each loop turn, so once
    /// the second is stored it has released as far as the first one's batch allows: past the control
    /// record, unless the fence holds it there.
    func storeReadingsBehind(device: String) async throws {
        let stored = "SELECT count(*) FROM sensor_readings"
        let before = try count(stored)
        let now = Int64(Date().timeIntervalSince1970)
        for (i, second) in [now, now + 1].enumerated() {
            try self.device.publish("devices/\(device)/telemetry", #"{"ts":\#(second * 1000),"readings":{"humidity":\#(40 + i)}}"#)
            try await waitUntil("telemetry behind the blocked control message stored (\(i + 1) of 2)", timeout: .seconds(20)) {
                try count(stored) >= before + i + 1
            }
        }
    }
}
