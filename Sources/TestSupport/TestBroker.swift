import Foundation
import Synchronization

/// A private mosquitto on a free loopback port, configured not to lose data.
///
/// Unlike the broker's defaults, nothing is dropped (`max_queued_messages 0`: no limit, 1000 in
/// flight) and sessions and queued messages survive a restart (`persistence true` in the
/// broker's own folder, saved every second and on SIGTERM). Running as root, mosquitto would
/// drop to the `mosquitto` account, which cannot write the test folder; `user root` keeps it
/// as root (as a non-root user the line is ignored). mosquitto writes `pid_file` only when
/// daemonised, so the pid file `Harness` looks for is written here. Brokers still running at
/// normal process exit get SIGTERM from an `atexit` hook; `Harness` kills those of crashed runs.
public final class TestBroker: Sendable {
    public let port: Int
    public var url: String { "mqtt://127.0.0.1:\(port)" }
    /// The broker's folder: config, persistence, logs, pid file.
    public let directory: String
    private let configPath: String
    private let current = Mutex<ChildProcess?>(nil)
    private let launches = Mutex<[String]>([])

    private init(port: Int, directory: String, extraConfig: String) throws {
        self.port = port
        self.directory = directory
        self.configPath = "\(directory)/mosquitto.conf"
        var config = """
            listener \(port) 127.0.0.1
            allow_anonymous true
            persistence true
            persistence_location \(directory)/
            persistence_file mosquitto.db
            autosave_interval 1
            max_queued_messages 0
            max_inflight_messages 1000
            pid_file \(directory)/mosquitto.pid
            log_dest stderr
            log_type error
            log_type warning
            log_type notice
            log_type information
            connection_messages true
            log_timestamp true
            log_timestamp_format %H:%M:%S

            """
        if Harness.isRoot { config += "user root\n" }
        config += extraConfig + "\n"
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    /// Starts a broker and returns once it accepts connections.
    ///
    /// `extraConfig` is appended to the configuration, so it overrides the defaults
    /// (e.g. `allow_anonymous false` and `password_file …`).
    public static func start(extraConfig: String = "") async throws -> TestBroker {
        var lastError: (any Error)?
        for _ in 0..<5 {
            let broker = try TestBroker(port: try freeLoopbackPort(), directory: try Harness.makeDirectory("mosquitto"), extraConfig: extraConfig)
            do {
                try await broker.launch()
                return broker
            } catch {
                // Most likely another process took the port between choosing and binding it.
                lastError = error
                await broker.stop()
            }
        }
        throw lastError ?? TestSupportError("mosquitto did not start")
    }

    /// SIGTERM and wait for exit; mosquitto saves its persistence file on the way out.
    public func stop() async {
        guard let child = current.withLock({ $0 }) else { return }
        await child.stop()
        BrokerRegistry.remove(child.pid)
    }

    /// SIGKILL: the broker dies without saving (what it autosaved survives).
    public func kill() {
        guard let child = current.withLock({ $0 }) else { return }
        child.signal(SIGKILL)
    }

    /// Stops (if running) and starts again on the same port with the same persistence.
    public func restart() async throws {
        if let child = current.withLock({ $0 }) {
            if child.isRunning { await stop() } else { await child.waitForExit() }
            BrokerRegistry.remove(child.pid)
        }
        var lastError: (any Error)?
        for _ in 0..<5 {
            do { try await launch(); return } catch {
                lastError = error
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
        throw lastError ?? TestSupportError("mosquitto did not restart")
    }

    /// Everything the broker logged, across restarts.
    public func log() -> String {
        launches.withLock { $0 }.map { (try? String(contentsOfFile: $0, encoding: .utf8)) ?? "" }.joined()
    }

    private func launch() async throws {
        let logPath = launches.withLock { logs -> String in
            let path = "\(directory)/mosquitto-\(logs.count + 1).log"
            logs.append(path)
            return path
        }
        // ChildProcess unblocks the signals the test process blocks, so SIGTERM stops mosquitto.
        let child = try ChildProcess("/usr/sbin/mosquitto", ["-c", configPath], logPath: logPath)
        current.withLock { $0 = child }
        BrokerRegistry.add(child.pid)
        try "\(child.pid)\n".write(toFile: "\(directory)/mosquitto.pid", atomically: true, encoding: .utf8)
        let port = port
        try await waitUntil("mosquitto to accept connections on port \(port)", timeout: .seconds(10), every: .milliseconds(10)) {
            if !child.isRunning {
                throw TestSupportError("mosquitto exited (status \(child.exitStatus ?? -1)):\n\(child.output())")
            }
            return isListening(port: port)
        }
    }
}

/// Brokers to SIGTERM at normal process exit (atexit cannot capture context).
private enum BrokerRegistry {
    static let pids = Mutex<Set<Int32>>([])
    static let hook: Void = {
        atexit {
            for pid in BrokerRegistry.pids.withLock({ $0 }) { kill(pid, SIGTERM) }
        }
    }()

    static func add(_ pid: Int32) {
        _ = hook
        pids.withLock { _ = $0.insert(pid) }
    }

    static func remove(_ pid: Int32) {
        pids.withLock { _ = $0.remove(pid) }
    }
}
