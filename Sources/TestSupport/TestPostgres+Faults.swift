import Foundation

extension TestPostgres {
    /// `pg_ctl stop -m immediate`: the server quits at once without a checkpoint, as after a power
    /// cut of the database host (committed work survives through WAL replay at the next start).
    /// Returns when the server has exited; `startAgain()` brings it back.
    public func stopImmediately() async throws {
        let result = try runCommand(
            "\(Self.binDirectory)/pg_ctl", ["stop", "-D", dataDirectory, "-m", "immediate", "-w", "-t", "30"],
            asUser: Harness.serviceUser)
        guard result.status == 0 else {
            throw TestSupportError("pg_ctl stop -m immediate failed (\(result.status)): \(result.output)")
        }
        if let server = server.withLock({ $0 }) { await server.waitForExit(timeout: .seconds(30)) }
        server.withLock { $0 = nil }
    }

    /// Starts the server again on the same port with the same data (after `stopImmediately()` or
    /// `stop()`); returns when it accepts connections, crash recovery done.
    public func startAgain() async throws {
        let server = try await Self.launch(directory: directory, port: port, logName: "server-\(Date().timeIntervalSince1970).log")
        self.server.withLock { $0 = server }
    }
}
