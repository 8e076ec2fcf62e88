import Foundation
import Synchronization

/// A server or tool started by a test, with its output captured to a log file.
///
/// When the tests run as root (as CI does), servers that refuse root (PostgreSQL) run as an
/// unprivileged account through `runuser`; `asUser` names it. The process is killed when the
/// object is stopped; `Harness.cleanUp()` also kills anything a crashed earlier run left behind.
public final class ChildProcess: @unchecked Sendable {
    public let executable: String
    public let arguments: [String]
    public let logPath: String
    private let process = Process()
    private let lock = NSLock()

    /// Starts `executable` with `arguments`; stdout and stderr go to `logPath`.
    public init(
        _ executable: String,
        _ arguments: [String],
        logPath: String,
        asUser user: String? = nil,
        environment: [String: String]? = nil
    ) throws {
        self.executable = executable
        self.arguments = arguments
        self.logPath = logPath
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        // The test process blocks SIGTERM, SIGINT, SIGHUP, SIGUSR1/2 (swift-service-lifecycle and the
        // test runner watch them), and a child inherits the blocked mask: a server that never
        // unblocks them would ignore SIGTERM. `env --default-signal` unblocks and resets them, then
        // execs the program in the same process, so `pid` is still the program's.
        let unblocked = ["--default-signal", executable] + arguments
        if let user, Harness.isRoot {
            process.executableURL = URL(fileURLWithPath: "/usr/sbin/runuser")
            process.arguments = ["-u", user, "--", "/usr/bin/env"] + unblocked
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = unblocked
        }
        if let environment { process.environment = environment }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = log
        process.standardError = log
        try process.run()
        try? log.close()
        LiveChildren.add(process.processIdentifier)
    }

    public var pid: Int32 { process.processIdentifier }
    public var isRunning: Bool { process.isRunning }
    /// The exit status, once the process has ended.
    public var exitStatus: Int32? { process.isRunning ? nil : process.terminationStatus }
    public var terminationReason: Process.TerminationReason { process.terminationReason }

    /// Sends `signal` to the process (and, through runuser, to the program it runs).
    public func signal(_ signal: Int32) {
        lock.lock(); defer { lock.unlock() }
        if process.isRunning { kill(process.processIdentifier, signal) }
    }

    /// Waits for the process to end, polling; returns its exit status or nil on timeout.
    @discardableResult
    public func waitForExit(timeout: Duration = .seconds(20)) async -> Int32? {
        try? await waitUntil("\(executable) to exit", timeout: timeout, every: .milliseconds(10)) { !process.isRunning }
        return exitStatus
    }

    /// SIGTERM, then SIGKILL if it has not ended within `grace`.
    public func stop(grace: Duration = .seconds(10)) async {
        signal(SIGTERM)
        if await waitForExit(timeout: grace) == nil {
            signal(SIGKILL)
            await waitForExit(timeout: .seconds(5))
        }
    }

    /// The captured output so far (for failure messages).
    public func output() -> String {
        (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
    }
}

/// Runs a command to completion and returns its exit status and combined output.
///
/// Bounded: a command still running after `timeout` is killed with its whole process group (the
/// child leads its own group, so `runuser`'s child and anything it forked go too) and the call
/// throws, naming it. Callers wait synchronously, so an unbounded wait would hold a test — and,
/// with the cooperative pool's few threads, the whole run — past every `.timeLimit`. The output
/// goes to a file, not a pipe: a daemon the command leaves behind keeps no pipe open to wait on.
@discardableResult
public func runCommand(
    _ executable: String,
    _ arguments: [String],
    asUser user: String? = nil,
    environment: [String: String]? = nil,
    timeout: Duration = .seconds(300)
) throws -> (status: Int32, output: String) {
    let process = Process()
    if let user, Harness.isRoot {
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/runuser")
        process.arguments = ["-u", user, "--", executable] + arguments
    } else {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
    }
    if let environment { process.environment = environment }
    let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("mash-command-\(UUID().uuidString).out").path
    _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
    defer { try? FileManager.default.removeItem(atPath: outputPath) }
    let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = output
    process.standardError = output
    try process.run()
    try? output.close()
    let pid = process.processIdentifier
    let timedOut = Atomic<Bool>(false)
    let watchdog = DispatchWorkItem {
        timedOut.store(true, ordering: .releasing)
        kill(-pid, SIGKILL)
        kill(pid, SIGKILL)
    }
    DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(Int(timeout.components.seconds * 1000)), execute: watchdog)
    process.waitUntilExit()
    watchdog.cancel()
    let text = String(decoding: FileManager.default.contents(atPath: outputPath) ?? Data(), as: UTF8.self)
    if timedOut.load(ordering: .acquiring) {
        throw TestSupportError("\(executable) \(arguments.joined(separator: " ")) was still running after \(timeout) and was killed; its output: \(text.suffix(2_000))")
    }
    return (process.terminationStatus, text)
}

/// Children still running when the test process exits are killed, so no server or gateway outlives its run.
private enum LiveChildren {
    private static let pids = Mutex<Set<Int32>>([])
    private static let hook: Void = { atexit { LiveChildren.killAll() } }()

    static func add(_ pid: Int32) {
        _ = hook
        pids.withLock { _ = $0.insert(pid) }
    }

    static func killAll() {
        for pid in pids.withLock({ $0 }) where kill(pid, 0) == 0 { kill(pid, SIGKILL) }
    }
}
