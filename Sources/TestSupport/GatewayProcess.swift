import Foundation

/// The built `mash-gateway` binary, run as a separate process exactly as an operator would.
///
/// Black-box tests drive only the binary, MQTT and PostgreSQL; they need `swift build` to have
/// produced the executable next to the test bundle (`.ci/run` builds everything first).
public enum GatewayBinary {
    public static let path: String = {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var directory = executable.deletingLastPathComponent()
        // The test bundle sits in .build/<config>/ (or inside a .xctest folder on some layouts).
        for _ in 0..<3 {
            let candidate = directory.appendingPathComponent("mash-gateway").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return executable.deletingLastPathComponent().appendingPathComponent("mash-gateway").path
    }()

    /// Runs a one-shot subcommand to completion.
    public static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
        try requireBuilt()
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { _, new in new }
        return try runCommand(path, arguments, environment: env)
    }

    static func requireBuilt() throws {
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw TestSupportError("\(path) is not built: run `swift build` before `swift test` (as .ci/run does)")
        }
    }
}

/// A running `mash-gateway run` with its own config file and captured log.
public final class GatewayProcess: Sendable {
    public let process: ChildProcess
    public let configPath: String
    public let directory: String

    /// Writes `config` (YAML) to a fresh folder and starts `mash-gateway run --config` on it.
    public static func start(config: String, environment: [String: String] = [:]) throws -> GatewayProcess {
        try GatewayBinary.requireBuilt()
        let directory = try Harness.makeDirectory("gateway")
        let configPath = "\(directory)/gateway.yaml"
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { _, new in new }
        let process = try ChildProcess(
            GatewayBinary.path, ["run", "--config", configPath], logPath: "\(directory)/gateway.log", environment: env)
        return GatewayProcess(process: process, configPath: configPath, directory: directory)
    }

    private init(process: ChildProcess, configPath: String, directory: String) {
        self.process = process
        self.configPath = configPath
        self.directory = directory
    }

    public var log: String { process.output() }

    /// Waits until the log contains `text`.
    public func waitForLog(_ text: String, timeout: Duration = .seconds(30)) async throws {
        try await waitUntil("gateway log line containing \"\(text)\"; log so far:\n\(log)", timeout: timeout) {
            self.log.contains(text)
        }
    }

    /// Waits until the broker has acknowledged `count` of the gateway's subscriptions (all it asked
    /// for when nil: the `subscriptions=N` of its "MQTT connected" line). libmosquitto logs each
    /// SUBACK at debug level. Neither "… ready" nor `/readyz` covers them, and the broker drops what
    /// is published to a filter before its SUBACK (the gateway's session is new), so a test that
    /// counts what it published waits for this before its first publish.
    public func waitForSubscriptions(_ count: Int? = nil, timeout: Duration = .seconds(30)) async throws {
        try await waitUntil("the gateway's subscriptions acknowledged by the broker; log so far:\n\(log.suffix(3000))", timeout: timeout) {
            let log = self.log
            let acknowledged = log.components(separatedBy: "received SUBACK").count - 1
            if let count { return acknowledged >= count }
            guard let line = log.split(separator: "\n").first(where: { $0.contains("MQTT connected") }),
                  let field = line.split(separator: " ").first(where: { $0.hasPrefix("subscriptions=") }),
                  let asked = Int(field.dropFirst("subscriptions=".count))
            else { return false }
            return acknowledged >= asked
        }
    }

    /// SIGTERM, then waits for the exit status.
    public func terminate(timeout: Duration = .seconds(60)) async -> Int32? {
        process.signal(SIGTERM)
        return await process.waitForExit(timeout: timeout)
    }

    public func kill() async {
        process.signal(SIGKILL)
        await process.waitForExit(timeout: .seconds(10))
    }
}

/// A gateway config for tests: the given broker and database, a spool in a temp folder, fast timings.
/// `listenURL` becomes `database.listen_url` (a direct session beside a pooled `databaseURL`).
public func testGatewayConfig(
    mqttURL: String,
    databaseURL: String,
    listenURL: String? = nil,
    clientID: String = "gw-\(UInt32.random(in: 0...UInt32.max))",
    spoolDirectory: String? = nil,
    httpPort: Int? = nil,
    extra: String = ""
) throws -> String {
    let spool = try spoolDirectory ?? Harness.makeDirectory("spool")
    let listen = httpPort.map { "127.0.0.1:\($0)" } ?? ""
    return """
        mqtt:
          url: \(mqttURL)
          client_id: \(clientID)
          reconnect_min_ms: 200
          reconnect_max_ms: 1000
        database:
          url: \(databaseURL)\(listenURL.map { "\n  listen_url: \($0)" } ?? "")
        ingest:
          spool_dir: \(spool)
        http:
          listen: "\(listen)"
        logging:
          level: debug
        \(extra)
        """
}
