import Foundation
import Synchronization

/// A private PgBouncer in transaction pooling in front of a `TestPostgres`, on a free loopback port.
///
/// `pool_mode = transaction` with a small pool (`poolSize` server sessions per database and user),
/// so consecutive transactions of one client really land on different server sessions: anything
/// that leans on session state (a temp table kept between transactions, a session `SET` PgBouncer
/// does not track, a named prepared statement, `LISTEN`, a session advisory lock) breaks, as it would
/// in production. Clients authenticate with passwords (`auth_type = scram-sha-256`, plain passwords
/// in a userlist, which PgBouncer also uses to log in to PostgreSQL with SCRAM). PgBouncer refuses
/// to run as root, so it runs as `Harness.serviceUser`. Debian 12 ships 1.18, which has no
/// protocol-level prepared statements in transaction pooling (they came with 1.21).
public final class TestPgBouncer: Sendable {
    public static let executable = "/usr/sbin/pgbouncer"

    public let port: Int
    public let postgres: TestPostgres
    /// The folder with `pgbouncer.ini`, the userlist, the pid file and the log.
    public let directory: String
    private let process: ChildProcess

    private init(port: Int, postgres: TestPostgres, directory: String, process: ChildProcess) {
        self.port = port
        self.postgres = postgres
        self.directory = directory
        self.process = process
    }

    /// Starts PgBouncer in front of `postgres` and returns once it accepts connections.
    public static func start(in front: TestPostgres, poolSize: Int = 3) async throws -> TestPgBouncer {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw TestSupportError("\(executable) is missing: apt-get install pgbouncer (.ci/install-deps does)")
        }
        let directory = try Harness.makeDirectory("pgbouncer")
        let users = """
            "\(TestPostgres.owner)" "\(TestPostgres.ownerPassword)"
            "\(TestPostgres.superuser)" "\(TestPostgres.superuserPassword)"

            """
        try users.write(toFile: "\(directory)/userlist.txt", atomically: false, encoding: .utf8)
        var lastError: (any Error)?
        for _ in 0..<3 {
            let port = try freeLoopbackPort()
            let ini = """
                [databases]
                * = host=127.0.0.1 port=\(front.port)

                [pgbouncer]
                listen_addr = 127.0.0.1
                listen_port = \(port)
                unix_socket_dir =
                auth_type = scram-sha-256
                auth_file = \(directory)/userlist.txt
                pool_mode = transaction
                default_pool_size = \(poolSize)
                max_client_conn = 500
                pidfile = \(directory)/pgbouncer.pid
                log_connections = 0
                log_disconnections = 0

                """
            try ini.write(toFile: "\(directory)/pgbouncer.ini", atomically: false, encoding: .utf8)
            let process = try ChildProcess(
                executable, ["\(directory)/pgbouncer.ini"], logPath: "\(directory)/pgbouncer-\(port).log", asUser: Harness.serviceUser)
            do {
                try await waitUntil("PgBouncer to accept connections on \(port)", timeout: .seconds(20), every: .milliseconds(20)) {
                    if !process.isRunning { throw TestSupportError("PgBouncer exited (\(process.exitStatus ?? -1)):\n\(process.output())") }
                    return isListening(port: port)
                }
                let bouncer = TestPgBouncer(port: port, postgres: front, directory: directory, process: process)
                Registry.add(bouncer)
                return bouncer
            } catch {
                lastError = error
                await process.stop(grace: .seconds(2))
            }
        }
        throw lastError ?? TestSupportError("PgBouncer did not start")
    }

    /// `url` with its host and port replaced by PgBouncer's: the same database and credentials, pooled.
    public func pooledURL(_ url: String) -> String {
        url.replacingOccurrences(of: "@127.0.0.1:\(postgres.port)/", with: "@127.0.0.1:\(port)/")
    }

    /// Everything PgBouncer logged.
    public var log: String { process.output() }

    /// Stops PgBouncer (its own process, not just the runuser wrapper) and waits for it.
    public func stop() async {
        if let pid = pid { kill(pid, SIGTERM) }
        await process.stop(grace: .seconds(5))
        Registry.remove(self)
    }

    private var pid: pid_t? {
        guard let text = try? String(contentsOfFile: "\(directory)/pgbouncer.pid", encoding: .utf8) else { return nil }
        return pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Poolers still running at normal process exit are killed (runuser would leave them behind).
    private enum Registry {
        static let running = Mutex<[ObjectIdentifier: TestPgBouncer]>([:])
        static let hook: Void = {
            atexit {
                for bouncer in TestPgBouncer.Registry.running.withLock({ Array($0.values) }) {
                    if let pid = bouncer.pid { kill(pid, SIGKILL) }
                }
            }
        }()

        static func add(_ bouncer: TestPgBouncer) {
            _ = hook
            running.withLock { $0[ObjectIdentifier(bouncer)] = bouncer }
        }

        static func remove(_ bouncer: TestPgBouncer) {
            running.withLock { _ = $0.removeValue(forKey: ObjectIdentifier(bouncer)) }
        }
    }
}
