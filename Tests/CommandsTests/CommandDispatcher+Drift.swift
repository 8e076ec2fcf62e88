import Commands
import Foundation
import Testing
import TestSupport
import WallTime

/// 1,000 commands in flight whose timers fire (resends, then timeouts): measures how late each
/// timer batch is handled, persisted included, by a loop that sleeps until `nextDeadline`.
/// Prints the numbers; asserts only that every command went through its sends and timed out.
@Suite("CommandDispatcher: timer drift with 1,000 commands in flight")
struct CommandDispatcherDriftTests {
    @Test func thousandCommandsTimeOutOnTime() async throws {
        let fixture = try await CommandFixture.make()
        // Timeouts of 1, 2 and 3 s, one retry each: every command fires twice.
        try fixture.connection.execute("""
            INSERT INTO device_commands (device_id, command_type, command_data, timeout_seconds, max_retries)
            SELECT $1::uuid, 'reboot', '{}', 1 + i % 3, 1 FROM generate_series(1, 1000) AS i
            """, [fixture.device.uuidString])
        let core = try dispatcher(fixture)
        var start = WallInstant.now()
        var sent = 0
        while true {
            let effects = try core.claimPending(limit: 500, now: start)
            if effects.devicePublishes.isEmpty { break }
            sent += effects.devicePublishes.count
            start = .now()
        }
        #expect(sent == 1000)
        #expect(core.inFlightCount == 1000)

        var lateness: [Double] = []  // milliseconds from a batch's earliest deadline to its effects being ready
        var resends = 0
        var batches = 0
        while let deadline = core.nextDeadline {
            let wait = WallInstant.now().duration(to: deadline)
            if wait > .zero { usleep(UInt32(wait.wholeMicroseconds)) }
            let effects = try core.fireDueTimers(now: .now())
            let done = WallInstant.now()
            batches += 1
            resends += effects.devicePublishes.count
            lateness.append(Double(done.microseconds - deadline.microseconds) / 1000)
        }
        #expect(resends == 1000)
        #expect(try fixture.column("SELECT count(*) FROM device_commands WHERE status = 'timeout' AND retry_count = 1") == ["1000"])
        let sorted = lateness.sorted()
        print("""
            timer drift, 1000 commands, 2000 firings in \(batches) batches: \
            max \(String(format: "%.1f", sorted.last ?? 0)) ms, \
            p50 \(String(format: "%.1f", sorted[sorted.count / 2])) ms
            """)
    }
}
