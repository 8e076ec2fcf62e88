import Foundation
import Testing
import TestSupport

extension Tag {
    /// Runs for minutes: a whole-system run with real faults.
    @Tag static var slow: Self
}

/// The 2-minute chaos run CI makes: the built `mash-bench chaos` against the built `mash-gateway`,
/// a real mosquitto and PostgreSQL, at least ten faults of every kind.
///
/// It asserts no acknowledged reading lost or stored twice, every command in a final state and none
/// sent twice. Alerts expected and raised are printed in the run's table (and this test's output):
/// a window that ends while the gateway is down can be judged either way, so they are not asserted.
@Suite("mash-bench chaos: a short run with faults", .tags(.slow), .timeLimit(.minutes(6)))
struct ChaosBenchmarkShortRunTests {
    static var benchPath: String {
        URL(fileURLWithPath: GatewayBinary.path).deletingLastPathComponent().appendingPathComponent("mash-bench").path
    }

    /// SIGKILLs `pid` and every process below it (children first found through /proc), so the
    /// servers the run started do not keep running after a failed test.
    static func killTree(_ pid: Int32) {
        var all: [Int32] = [pid]
        var index = 0
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        let parents: [(Int32, Int32)] = entries.compactMap { entry in
            // Read to the end: /proc files report a size of 0, and a read sized by it comes back empty.
            guard let child = Int32(entry), let file = FileHandle(forReadingAtPath: "/proc/\(entry)/stat") else { return nil }
            defer { try? file.close() }
            let stat = String(decoding: file.readDataToEndOfFile(), as: UTF8.self)
            guard let close = stat.lastIndex(of: ")") else { return nil }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 1 ? Int32(fields[1]).map { (child, $0) } : nil
        }
        while index < all.count {
            all += parents.filter { $0.1 == all[index] }.map(\.0)
            index += 1
        }
        for process in all { kill(process, SIGKILL) }
    }

    @Test("2 minutes, ≥ 10 faults: no reading lost or duplicated, every command finished and none sent twice")
    func shortRun() async throws {
        let bench = Self.benchPath
        try #require(FileManager.default.isExecutableFile(atPath: bench), "\(bench) is not built: run `swift build` first")
        let directory = try Harness.makeDirectory("chaos-run")
        let run = try ChildProcess(bench, ["chaos", "--minutes", "2", "--seed", "7", "--devices", "30", "--rate", "1000"],
                                   logPath: "\(directory)/chaos.log")
        // On a failure or timeout, nothing the run started (gateway, broker, PostgreSQL) outlives the test.
        defer { if run.isRunning { Self.killTree(run.pid) } }
        // Polls (never blocks a thread) for the run's end: 2 minutes of faults, then the drain.
        let status = await run.waitForExit(timeout: .seconds(300))
        let output = run.output()
        print(output.split(separator: "\n").suffix(40).joined(separator: "\n"))
        let verdict = try #require(output.split(separator: "\n").last { $0.hasPrefix("chaos verdict:") },
                                   "no verdict line (exit status \(status.map(String.init) ?? "none, still running")); output tail:\n\(output.suffix(4000))")
        var values: [String: Int] = [:]
        for pair in verdict.dropFirst("chaos verdict:".count).split(separator: " ") {
            let parts = pair.split(separator: "=")
            if parts.count == 2, let value = Int(parts[1]) { values[String(parts[0])] = value }
        }
        #expect(values["readings_lost"] == 0, "\(output.suffix(3000))")
        #expect(values["readings_duplicated"] == 0)
        #expect(values["commands_not_final"] == 0)
        #expect(values["commands_sent_twice"] == 0, "a command acknowledged before a SIGKILL is not sent again: \(output.suffix(3000))")
        #expect((values["faults"] ?? 0) >= 10, "a 2-minute run injects at least ten faults")
        #expect(status == 0, "exit status \(status.map(String.init) ?? "none")")
    }
}
