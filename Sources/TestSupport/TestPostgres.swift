import Foundation
import Postgres
import Synchronization

/// A private PostgreSQL 15 cluster on a free loopback port, for tests that need a real server.
///
/// Settings favour speed over durability (fsync, synchronous_commit and full_page_writes off):
/// a test cluster is thrown away. TCP logins use scram-sha-256 for every role, so a wrong
/// password really fails; the unix socket in the cluster folder trusts everyone, which is how
/// `psql` administers it. Roles: superuser `postgres`/`postgres` and owner `mash`/`mash-test`.
/// Clusters still running when the test process exits normally are stopped by an atexit hook;
/// `Harness` stops those left behind by crashed runs.
public final class TestPostgres: Sendable {
    public static let binDirectory = "/usr/lib/postgresql/15/bin"
    public static let superuser = "postgres"
    public static let superuserPassword = "postgres"
    public static let owner = "mash"
    public static let ownerPassword = "mash-test"

    public let port: Int
    /// The cluster folder: holds `data/`, `server.log` and the unix socket.
    public let directory: String
    public var dataDirectory: String { "\(directory)/data" }
    /// The current server's log (each restart gets a new file beside it).
    public var logPath: String { server.withLock { $0?.logPath } ?? "\(directory)/server.log" }

    let server: Mutex<ChildProcess?>

    init(port: Int, directory: String, server: ChildProcess) {
        self.port = port
        self.directory = directory
        self.server = Mutex(server)
    }

    // MARK: Starting

    private static let sharedCluster = Task<TestPostgres, any Error> { try await TestPostgres.start() }

    /// One cluster per test process, started on first use and shared by all tests (each test makes its own database).
    public static func shared() async throws -> TestPostgres {
        try await sharedCluster.value
    }

    /// A private cluster, for tests that stop or restart PostgreSQL.
    /// `durable` keeps PostgreSQL's crash-safe defaults (fsync, synchronous_commit, full_page_writes on)
    /// with production-like memory, for benchmarks whose numbers must mean something.
    public static func start(durable: Bool = false) async throws -> TestPostgres {
        let directory = try Harness.makeDirectory("postgres")
        try initializeCluster(in: directory, durable: durable)
        let cluster = try await launchOnFreePort(directory: directory)
        try cluster.createRoles()
        return cluster
    }

    /// Starts the cluster in `directory` on a free port and registers it for the exit hook.
    private static func launchOnFreePort(directory: String) async throws -> TestPostgres {
        // The port is free when chosen but may be taken before the server binds it: retry then.
        var lastError: (any Error)?
        for _ in 0..<3 {
            let port = try freeLoopbackPort()
            do {
                let server = try await launch(directory: directory, port: port, logName: "server.log")
                let cluster = TestPostgres(port: port, directory: directory, server: server)
                Registry.add(cluster)
                return cluster
            } catch let error as StartFailure where error.addressInUse {
                lastError = error
            }
        }
        throw lastError ?? TestSupportError("PostgreSQL did not start in \(directory)")
    }

    private static func initializeCluster(in directory: String, durable: Bool) throws {
        let passwordFile = "\(directory)/pwfile"
        try "\(superuserPassword)\n".write(toFile: passwordFile, atomically: false, encoding: .utf8)
        chmod(passwordFile, 0o644)
        let result = try runCommand(
            "\(binDirectory)/initdb",
            [
                "-D", "\(directory)/data", "-U", superuser, "--pwfile=\(passwordFile)",
                "-E", "UTF8", "--locale=C", "--auth-local=trust", "--auth-host=scram-sha-256",
                "--no-sync",
            ],
            asUser: Harness.serviceUser
        )
        guard result.status == 0 else {
            throw TestSupportError("initdb failed (\(result.status)): \(result.output.suffix(2000))")
        }
        // Replace the generated rules: no trust over TCP, so passwords are really checked.
        let hba = """
            local all all trust
            local replication all trust
            host all all 127.0.0.1/32 scram-sha-256
            host all all ::1/128 scram-sha-256

            """
        try hba.write(toFile: "\(directory)/data/pg_hba.conf", atomically: false, encoding: .utf8)
        let settings = """

            \(durable ? """
                # mash-gateway benchmarks: durable defaults, production-like memory
                shared_buffers = 256MB
                max_wal_size = 4GB
                """ : """
                # mash-gateway tests: fast and disposable
                fsync = off
                synchronous_commit = off
                full_page_writes = off
                shared_buffers = 32MB
                """)
            max_connections = 500
            listen_addresses = '127.0.0.1'
            unix_socket_directories = '\(directory)'
            password_encryption = 'scram-sha-256'
            log_min_messages = warning
            lc_messages = 'C'

            """
        let conf = FileHandle(forWritingAtPath: "\(directory)/data/postgresql.conf")
        guard let conf else { throw TestSupportError("cannot open postgresql.conf in \(directory)") }
        conf.seekToEndOfFile()
        conf.write(Data(settings.utf8))
        try conf.close()
    }

    private struct StartFailure: Error, CustomStringConvertible {
        let description: String
        let addressInUse: Bool
    }

    /// Starts the postmaster on `port` and returns once it accepts connections.
    static func launch(directory: String, port: Int, logName: String) async throws -> ChildProcess {
        let logPath = "\(directory)/\(logName)"
        let server = try ChildProcess(
            "\(binDirectory)/postgres",
            ["-D", "\(directory)/data", "-p", "\(port)"],
            logPath: logPath,
            asUser: Harness.serviceUser
        )
        do {
            try await waitUntil("PostgreSQL on 127.0.0.1:\(port) to accept connections", timeout: .seconds(60), every: .milliseconds(25)) {
                if !server.isRunning {
                    let log = server.output()
                    throw StartFailure(
                        description: "PostgreSQL exited during start-up (status \(server.exitStatus ?? -1)); log tail:\n\(log.suffix(3000))",
                        addressInUse: log.contains("Address already in use") || log.contains("could not create any TCP/IP sockets")
                    )
                }
                // "standby": a hot standby accepting read-only connections.
                return ["ready", "standby"].contains(postmasterStatus(dataDirectory: "\(directory)/data")) && isListening(port: port)
            }
        } catch let error as DeadlineExceeded {
            await server.stop()
            throw TestSupportError("\(error); log tail:\n\(server.output().suffix(3000))")
        }
        return server
    }

    /// The status word PostgreSQL writes on line 8 of postmaster.pid ("starting", "ready", "stopping").
    static func postmasterStatus(dataDirectory: String) -> String? {
        guard let text = try? String(contentsOfFile: "\(dataDirectory)/postmaster.pid", encoding: .utf8) else { return nil }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count >= 8 else { return nil }
        return lines[7].trimmingCharacters(in: .whitespaces)
    }

    static func postmasterPID(dataDirectory: String) -> pid_t? {
        guard let text = try? String(contentsOfFile: "\(dataDirectory)/postmaster.pid", encoding: .utf8),
              let first = text.split(separator: "\n").first
        else { return nil }
        return pid_t(first.trimmingCharacters(in: .whitespaces))
    }

    private func createRoles() throws {
        _ = try psql(
            "CREATE ROLE \(Self.owner) LOGIN CREATEDB PASSWORD '\(Self.ownerPassword)'",
            database: "postgres"
        )
    }

    /// Starts a cluster folder made elsewhere (a restored base backup in `directory/data`, owned by
    /// the service user) on a free port, with its unix socket in `directory`; returns once it accepts
    /// connections (a cluster in archive recovery accepts them once consistent).
    public static func open(directory: String) async throws -> TestPostgres {
        let conf = FileHandle(forWritingAtPath: "\(directory)/data/postgresql.conf")
        guard let conf else { throw TestSupportError("cannot open postgresql.conf in \(directory)/data") }
        conf.seekToEndOfFile()
        conf.write(Data("\n# reopened by the tests\nunix_socket_directories = '\(directory)'\n".utf8))
        try conf.close()
        return try await launchOnFreePort(directory: directory)
    }

    // MARK: Using

    /// Creates an empty database owned by `mash` and returns its URL: postgres://mash:mash-test@127.0.0.1:PORT/NAME
    public func createDatabase(_ name: String? = nil) async throws -> String {
        let name = name ?? "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        _ = try psql("CREATE DATABASE \"\(name)\" OWNER \(Self.owner)", database: "postgres")
        return url(database: name)
    }

    public func url(database: String, user: String = "mash", password: String = "mash-test") -> String {
        "postgres://\(user):\(password)@127.0.0.1:\(port)/\(database)"
    }

    /// Runs SQL as the superuser and returns what `psql -A -t -F '\t'` prints (tab-separated, unaligned, tuples only).
    public func psql(_ sql: String, database: String) throws -> String {
        // In-process over the cluster's unix socket (trusted): a psql child run through runuser
        // costs tens of milliseconds of PAM and process start-up, and tests call this inside
        // polling loops on the cooperative pool's two threads, where that time stalls every test.
        let socketURL = "postgresql:///\(database)?host=\(directory)&port=\(port)&user=\(Self.superuser)"
        do {
            let connection = try PostgresConnection.connect(socketURL, applicationName: "mash-test psql")
            defer { connection.close() }
            let results = try connection.executeScriptReturningRows(sql)
            // psql -A -t -F '\t': a row is its values joined by tabs (NULL empty), one row a line.
            return results.flatMap(\.rows).map { $0.map { $0 ?? "" }.joined(separator: "\t") }.joined(separator: "\n")
        } catch {
            throw TestSupportError("psql failed on \(database): \(error)")
        }
    }

    // MARK: Stopping

    /// Fast shutdown (open sessions are terminated), keeping the data; returns when the server has exited.
    public func stop() async {
        guard let server = server.withLock({ $0 }) else { return }
        // Signal the postmaster itself: runuser would turn any signal into SIGTERM then SIGKILL.
        if let pid = Self.postmasterPID(dataDirectory: dataDirectory) { kill(pid, SIGINT) } else { server.signal(SIGINT) }
        if await server.waitForExit(timeout: .seconds(30)) == nil {
            if let pid = Self.postmasterPID(dataDirectory: dataDirectory) { kill(pid, SIGQUIT) }
            await server.stop(grace: .seconds(5))
        }
        self.server.withLock { $0 = nil }
    }

    /// Restarts on the same port with the same data; returns when the server accepts connections.
    public func restart() async throws {
        await stop()
        let server = try await Self.launch(directory: directory, port: port, logName: "server-\(Date().timeIntervalSince1970).log")
        self.server.withLock { $0 = server }
    }

    /// Immediate shutdown without waiting, for the exit hook.
    fileprivate func stopImmediately() {
        if let pid = Self.postmasterPID(dataDirectory: dataDirectory) { kill(pid, SIGQUIT) }
    }

    /// Clusters to stop when the test process exits normally.
    enum Registry {
        static let clusters = Mutex<[TestPostgres]>([])
        static let hook: Void = { atexit { TestPostgres.Registry.stopAll() } }()

        static func add(_ cluster: TestPostgres) {
            _ = hook
            clusters.withLock { $0.append(cluster) }
        }

        static func stopAll() {
            let all = clusters.withLock { list in defer { list.removeAll() }; return list }
            for cluster in all { cluster.stopImmediately() }
            // Give the postmasters a moment to release ports and shared memory.
            let deadline = Date().addingTimeInterval(5)
            for cluster in all {
                while Date() < deadline, let pid = postmasterPID(dataDirectory: cluster.dataDirectory), kill(pid, 0) == 0 {
                    usleep(10_000)
                }
            }
        }
    }
}
