import Foundation

/// A streaming standby of a private cluster, and the operator's failover steps, for failover tests.
extension TestPostgres {
    /// Builds a hot standby of this cluster (`pg_basebackup -R`: streaming over the primary's unix
    /// socket), starts it on its own free port and makes commits synchronous to it
    /// (`synchronous_standby_names = '*'`, `synchronous_commit = on` on this primary): a commit the
    /// primary acknowledges is on the standby, so a promoted standby has every acknowledged row.
    /// Returns once the standby streams and the primary waits for it.
    public func startStandby() async throws -> TestPostgres {
        let directory = try Harness.makeDirectory("standby")
        let backup = try runCommand(
            "\(Self.binDirectory)/pg_basebackup",
            ["-h", self.directory, "-p", "\(port)", "-U", Self.superuser, "-D", "\(directory)/data", "-R", "-X", "stream", "--no-sync",
             "-c", "fast"],
            asUser: Harness.serviceUser)
        guard backup.status == 0 else { throw TestSupportError("pg_basebackup failed (\(backup.status)): \(backup.output)") }
        // The copied postgresql.conf names the primary's socket folder: the standby keeps its own.
        let conf = FileHandle(forWritingAtPath: "\(directory)/data/postgresql.conf")
        guard let conf else { throw TestSupportError("cannot open the standby's postgresql.conf") }
        conf.seekToEndOfFile()
        conf.write(Data("\nunix_socket_directories = '\(directory)'\nhot_standby = on\n".utf8))
        try conf.close()
        var lastError: (any Error)?
        for _ in 0..<3 {
            let port = try freeLoopbackPort()
            do {
                let server = try await Self.launch(directory: directory, port: port, logName: "server.log")
                let standby = TestPostgres(port: port, directory: directory, server: server)
                Registry.add(standby)
                try await waitUntil("the standby to stream from the primary", timeout: .seconds(30)) {
                    try self.psql("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'", database: "postgres") == "1"
                }
                _ = try psql("ALTER SYSTEM SET synchronous_standby_names = '*'", database: "postgres")
                _ = try psql("ALTER SYSTEM SET synchronous_commit = 'on'", database: "postgres")
                _ = try psql("SELECT pg_reload_conf()", database: "postgres")
                try await waitUntil("commits to wait for the standby", timeout: .seconds(30)) {
                    try self.psql("SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync'", database: "postgres") == "1"
                }
                return standby
            } catch {
                lastError = error
            }
        }
        throw lastError ?? TestSupportError("the standby did not start")
    }

    /// `pg_ctl stop -m immediate`: the postmaster and its backends quit at once, as in a crash
    /// (sessions break without a goodbye); returns when it has exited.
    public func shutDownImmediately() async throws {
        let result = try runCommand(
            "\(Self.binDirectory)/pg_ctl", ["stop", "-D", dataDirectory, "-m", "immediate", "-w", "-t", "30"], asUser: Harness.serviceUser)
        guard result.status == 0 else { throw TestSupportError("pg_ctl stop -m immediate failed (\(result.status)): \(result.output)") }
        if let server = server.withLock({ $0 }) { await server.waitForExit(timeout: .seconds(10)) }
        server.withLock { $0 = nil }
    }

    /// `pg_ctl promote`: the standby leaves recovery and accepts writes; returns once it does.
    public func promote() async throws {
        let result = try runCommand("\(Self.binDirectory)/pg_ctl", ["promote", "-D", dataDirectory, "-w", "-t", "60"], asUser: Harness.serviceUser)
        guard result.status == 0 else { throw TestSupportError("pg_ctl promote failed (\(result.status)): \(result.output)") }
        try await waitUntil("the promoted standby to accept writes", timeout: .seconds(30)) {
            try self.psql("SELECT pg_is_in_recovery()", database: "postgres") == "f"
        }
    }
}
