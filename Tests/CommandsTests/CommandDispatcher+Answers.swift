import Commands
import Foundation
import GatewayConfig
import Postgres
import Testing
import TestSupport
import WallTime

/// A command's status change and the operator answer it causes are one transaction: an answer that
/// cannot be written leaves the status as it was (in the row and in the dispatcher's memory), so a
/// crash between the two writes can never keep the change and lose the answer.
@Suite("CommandDispatcher: a status change commits with its operator answer")
struct CommandDispatcherAnswerTests {
    static let responses = "operators/admin@example.com/responses"

    /// Statuses of the answers in the outbox, in order.
    func outboxAnswers(_ fixture: CommandFixture) throws -> [String] {
        try fixture.column("SELECT payload::json->>'status' FROM gateway_outbox WHERE topic = $1 ORDER BY id", [Self.responses]).map { $0 ?? "?" }
    }

    /// The outbox refuses operator answers (as a full disk or a lost connection would) until the returned closure runs.
    func refuseAnswers(_ fixture: CommandFixture) throws -> () throws -> Void {
        try fixture.connection.execute("ALTER TABLE gateway_outbox ADD CONSTRAINT test_refuse_answers CHECK (topic NOT LIKE 'operators/%') NOT VALID")
        return { try fixture.connection.execute("ALTER TABLE gateway_outbox DROP CONSTRAINT test_refuse_answers") }
    }

    func operatorCommand(_ fixture: CommandFixture, _ core: CommandDispatcher, requestID: String, timeout: Int = 30) throws -> UUID {
        let handler = OperatorCommandHandler(store: core.store, settings: CommandSettings(), logger: testLogger)
        let request = #"{"device":"SN-1","type":"reboot","timeout_s":\#(timeout),"max_retries":1,"request_id":"\#(requestID)"}"#
        return try #require(try handler.handle(operatorKey: "admin@example.com", payload: Array(request.utf8), now: .now()).commandID)
    }

    @Test("claim, ack, result and timeout each write their answer with the status; a refused answer rolls the status back")
    func refusedAnswerRollsBackTheStatusChange() async throws {
        let fixture = try await CommandFixture.make()
        let core = try dispatcher(fixture)
        let id = try operatorCommand(fixture, core, requestID: "r-1")
        let t0 = WallInstant.now()

        // The claim (`sent`) cannot write its answer: the command stays pending and is not tracked.
        var allowAnswers = try refuseAnswers(fixture)
        #expect(throws: StoreError.self) { try core.claimPending(limit: 10, now: t0) }
        #expect(try fixture.status(id).status == "pending")
        #expect(core.inFlightCount == 0 && core.nextDeadline == nil)
        try allowAnswers()
        let claimed = try core.claimPending(limit: 10, now: t0)
        #expect(claimed.devicePublishes.map(\.attempt) == [1])
        #expect(try outboxAnswers(fixture) == ["sent"])

        // An ack whose answer is refused: the row and the machine are still `sent`.
        allowAnswers = try refuseAnswers(fixture)
        let ack = CommandEvent.acknowledged(commandID: id, deviceID: fixture.device)
        #expect(throws: StoreError.self) { try core.apply([ack], now: t0 + .seconds(1)) }
        #expect(try fixture.status(id).status == "sent")
        #expect(core.machine(for: id)?.status == .sent)
        #expect(core.nextDeadline == t0 + .seconds(30))
        try allowAnswers()
        _ = try core.apply([ack], now: t0 + .seconds(1))
        #expect(try fixture.status(id).status == "acknowledged")
        #expect(try outboxAnswers(fixture) == ["sent", "acknowledged"])

        // The result, likewise.
        allowAnswers = try refuseAnswers(fixture)
        let result = CommandEvent.result(commandID: id, deviceID: fixture.device, payload: Array(#"{"status":"completed"}"#.utf8))
        #expect(throws: StoreError.self) { try core.apply([result], now: t0 + .seconds(2)) }
        #expect(try fixture.status(id).status == "acknowledged")
        try allowAnswers()
        _ = try core.apply([result], now: t0 + .seconds(2))
        #expect(try fixture.status(id).status == "completed")
        #expect(try outboxAnswers(fixture) == ["sent", "acknowledged", "completed"])
    }

    @Test("a timer whose answer is refused fires again: the timeout and its answer are written together later")
    func refusedTimeoutAnswerKeepsTheTimer() async throws {
        let fixture = try await CommandFixture.make()
        let core = try dispatcher(fixture)
        let id = try operatorCommand(fixture, core, requestID: "r-2", timeout: 10)
        let t0 = WallInstant.now()
        _ = try core.claimPending(limit: 10, now: t0)
        _ = try core.apply([.acknowledged(commandID: id, deviceID: fixture.device)], now: t0)

        let allowAnswers = try refuseAnswers(fixture)
        #expect(throws: StoreError.self) { try core.fireDueTimers(now: t0 + .seconds(10)) }
        #expect(try fixture.status(id).status == "acknowledged")
        #expect(core.nextDeadline == t0 + .seconds(10))
        try allowAnswers()
        _ = try core.fireDueTimers(now: t0 + .seconds(10))
        #expect(try fixture.status(id).status == "timeout")
        #expect(try outboxAnswers(fixture) == ["sent", "acknowledged", "timeout"])
    }
}
