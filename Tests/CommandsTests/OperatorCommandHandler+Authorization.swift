import Commands
import Foundation
import GatewayConfig
import Testing
import TestSupport
import WallTime

@Suite("OperatorCommandHandler: validation, authorisation, audit")
struct OperatorCommandHandlerTests {
    static let settings = CommandSettings(maxTimeoutSeconds: 600, maxRetriesLimit: 5)

    func handler(_ fixture: CommandFixture, resolver: DeviceResolver? = nil) throws -> OperatorCommandHandler {
        OperatorCommandHandler(store: CommandStore(connection: try fixture.connect()), settings: Self.settings, logger: testLogger, resolveDevice: resolver)
    }

    func counts(_ fixture: CommandFixture) throws -> (commands: Int, audits: Int) {
        (Int(try fixture.column("SELECT count(*) FROM device_commands")[0]!)!, Int(try fixture.column("SELECT count(*) FROM audit_logs")[0]!)!)
    }

    static let request = #"{"device":"SN-1","type":"reboot","data":{"delay":5},"timeout_s":45,"max_retries":2,"request_id":"r-1"}"#

    /// Who may command the owner's device: operator key → accepted?, reason when not.
    static let operators: [(key: @Sendable (CommandFixture) -> String, accepted: Bool, reason: String?)] = [
        ({ _ in "admin@example.com" }, true, nil),                 // email, case-insensitive
        ({ _ in "clerk_mod" }, true, nil),                         // moderator by clerk_user_id
        ({ $0.owner.uuidString.uppercased() }, true, nil),         // owner by id
        ({ _ in "other@example.com" }, false, "operator may not command this device"),
        ({ _ in "inactive@example.com" }, false, "operator is not active"),
        ({ _ in "deleted@example.com" }, false, "operator is deleted"),
        ({ _ in "nobody@example.com" }, false, "unknown operator"),
    ]

    @Test(arguments: 0..<7)
    func authorisationTable(index: Int) async throws {
        let fixture = try await CommandFixture.make()
        let entry = Self.operators[index]
        let key = entry.key(fixture)
        let outcome = try handler(fixture).handle(operatorKey: key, payload: Array(Self.request.utf8), now: .now())
        let response = try #require(outcome.effects.operatorPublishes.first)
        #expect(response.topic == "operators/\(key)/responses")
        #expect(response.payload["request_id"] as? String == "r-1")
        #expect(response.payload["device"] as? String == "SN-1")
        if entry.accepted {
            let id = try #require(outcome.commandID)
            #expect(response.payload["status"] as? String == "pending")
            #expect(response.payload["command_id"] as? String == id.uuidString.lowercased())
            #expect(response.payload["error"] is NSNull)
            let row = try fixture.connection.execute("""
                SELECT device_id, user_id, command_type, command_data::text AS data, status, timeout_seconds, max_retries FROM device_commands
                """)
            #expect(row.count == 1)
            #expect(row[0, "device_id"] == fixture.device.uuidString.lowercased())
            #expect(row[0, "command_type"] == "reboot" && row[0, "status"] == "pending")
            #expect(row[0, "data"] == #"{"delay": 5}"#)
            #expect(row[0, "timeout_seconds"] == "45" && row[0, "max_retries"] == "2")
            let audit = try fixture.connection.execute("""
                SELECT user_id, entity_type, entity_id, action, request_id, new_values->>'operator' AS operator,
                       new_values->>'type' AS type FROM audit_logs
                """)
            #expect(audit.count == 1)
            #expect(audit[0, "user_id"] == row[0, "user_id"])
            #expect(audit[0, "entity_type"] == "device_command" && audit[0, "action"] == "command.create")
            #expect(audit[0, "entity_id"] == id.uuidString.lowercased())
            #expect(audit[0, "request_id"] == "r-1" && audit[0, "operator"] == key && audit[0, "type"] == "reboot")
        } else {
            #expect(outcome.commandID == nil)
            #expect(response.payload["status"] as? String == "rejected")
            #expect(response.payload["error"] as? String == entry.reason)
            #expect(response.payload["command_id"] is NSNull)
            // Nothing written but the audit row of the refusal (the device exists).
            #expect(try counts(fixture) == (0, 1))
            let audit = try fixture.connection.execute("SELECT entity_type, entity_id, action, request_id, new_values->>'reason' AS reason FROM audit_logs")
            #expect(audit[0, "entity_type"] == "device" && audit[0, "action"] == "command.rejected")
            #expect(audit[0, "entity_id"] == fixture.device.uuidString.lowercased())
            #expect(audit[0, "request_id"] == "r-1" && audit[0, "reason"] == entry.reason)
        }
    }

    /// Invalid requests: payload → reason, whether an audit row is written (only when the device exists).
    static let invalid: [(payload: String, reason: String, audited: Bool)] = [
        ("not json", "payload is not a JSON object", false),
        (#"[1,2]"#, "payload is not a JSON object", false),
        (#"{"type":"reboot"}"#, "missing device", false),
        (#"{"device":"SN-1"}"#, "missing type", true),
        (#"{"device":"SN-1","type":""}"#, "missing type", true),
        (#"{"device":"SN-1","type":"reboot","timeout_s":0}"#, "timeout_s must be between 1 and 600", true),
        (#"{"device":"SN-1","type":"reboot","timeout_s":601}"#, "timeout_s must be between 1 and 600", true),
        (#"{"device":"SN-1","type":"reboot","timeout_s":"30"}"#, "timeout_s and max_retries must be integers", true),
        (#"{"device":"SN-1","type":"reboot","timeout_s":1.5}"#, "timeout_s and max_retries must be integers", true),
        (#"{"device":"SN-1","type":"reboot","max_retries":-1}"#, "max_retries must be between 0 and 5", true),
        (#"{"device":"SN-1","type":"reboot","max_retries":6}"#, "max_retries must be between 0 and 5", true),
        (#"{"device":"no-such-device","type":"reboot"}"#, "unknown device", false),
    ]

    @Test(arguments: 0..<12)
    func validation(index: Int) async throws {
        let fixture = try await CommandFixture.make()
        let entry = Self.invalid[index]
        let outcome = try handler(fixture).handle(operatorKey: "admin@example.com", payload: Array(entry.payload.utf8), now: .now())
        #expect(outcome.rejection == entry.reason)
        #expect(outcome.effects.operatorPublishes.first?.payload["status"] as? String == "rejected")
        #expect(try counts(fixture) == (0, entry.audited ? 1 : 0))
    }

    @Test func aRepeatedRequestIDCreatesNoSecondCommand() async throws {
        let fixture = try await CommandFixture.make()
        let core = try handler(fixture)
        let first = try core.handle(operatorKey: "admin@example.com", payload: Array(Self.request.utf8), now: .now())
        let again = try core.handle(operatorKey: "admin@example.com", payload: Array(Self.request.utf8), now: .now())
        #expect(first.commandID != nil && again.commandID == first.commandID)
        #expect(again.effects.operatorPublishes.first?.payload["status"] as? String == "pending")
        #expect(try counts(fixture) == (1, 1))
        // The same request_id from another operator is another request.
        let other = try core.handle(operatorKey: "clerk_mod", payload: Array(Self.request.utf8), now: .now())
        #expect(other.commandID != nil && other.commandID != first.commandID)
        #expect(try counts(fixture) == (2, 2))
    }

    @Test func defaultsAndAPluggedInResolver() async throws {
        let fixture = try await CommandFixture.make()
        var asked: [String] = []
        let device = fixture.device
        let owner = fixture.owner
        let core = try handler(fixture) { key in
            asked.append(key)
            return key == "my-alias" ? ResolvedDevice(id: device, ownerID: owner, publishKey: "SN-1") : nil
        }
        let outcome = try core.handle(operatorKey: "OWNER@example.com", payload: Array(#"{"device":"my-alias","type":"ping","request_id":7}"#.utf8), now: .now())
        #expect(asked == ["my-alias"])
        #expect(outcome.rejection == nil)
        let row = try fixture.connection.execute("SELECT command_data::text AS data, timeout_seconds, max_retries FROM device_commands")
        #expect(row[0, "data"] == "{}" && row[0, "timeout_seconds"] == "30" && row[0, "max_retries"] == "3")
        #expect(outcome.effects.operatorPublishes.first?.payload["request_id"] as? String == "7")
    }

    @Test func everyLaterStateChangeIsAnsweredToTheOperator() async throws {
        let fixture = try await CommandFixture.make()
        let outcome = try handler(fixture).handle(operatorKey: "Admin@Example.com", payload: Array(Self.request.utf8), now: .now())
        let id = try #require(outcome.commandID)
        // Another gateway's dispatcher (fresh, knows nothing but the rows) answers from the audit row.
        let core = try dispatcher(fixture)
        let t0 = WallInstant.now()
        var effects = try core.claimPending(limit: 5, now: t0)
        effects += try core.apply([.result(commandID: id, deviceID: fixture.device, payload: Array(#"{"status":"completed","data":{"ok":true}}"#.utf8))], now: t0 + .seconds(1))
        let responses = effects.operatorPublishes
        #expect(responses.map { $0.payload["status"] as? String } == ["sent", "acknowledged", "completed"])
        #expect(responses.allSatisfy { $0.topic == "operators/Admin@Example.com/responses" })
        #expect(responses.allSatisfy { $0.payload["request_id"] as? String == "r-1" && $0.payload["command_id"] as? String == id.uuidString.lowercased() })
        #expect(responses.first?.payload["attempt"] as? Int == 1)
        #expect((responses.last?.payload["data"] as? [String: Any])?["ok"] as? Bool == true)
    }

    @Test func expiredPendingCommandsAreAnsweredBySweep() async throws {
        let fixture = try await CommandFixture.make()
        let payload = #"{"device":"AA:BB:CC:DD:EE:02","type":"reboot","request_id":"late"}"#
        let start = WallInstant.now() - .seconds(100)
        let outcome = try handler(fixture).handle(operatorKey: "clerk_owner", payload: Array(payload.utf8), now: start)
        #expect(outcome.rejection == nil)
        let core = try dispatcher(fixture, ttl: 60)
        let effects = try core.sweep(now: .now())
        let response = try #require(effects.operatorPublishes.first)
        #expect(response.payload["status"] as? String == "timeout")
        #expect(response.payload["error"] as? String == "expired")
        #expect(response.payload["request_id"] as? String == "late")
    }
}
