import Foundation

/// Where test servers keep their files, and who they run as.
///
/// Each test process gets `/tmp/mash-tests/<pid>/`; a later run removes the folders of
/// processes that are gone (and stops servers they left running), so a crashed run cannot
/// fill the disk or hold ports.
public enum Harness {
    public static let isRoot = geteuid() == 0

    /// The unprivileged account servers run as when the tests run as root.
    public static let serviceUser = "postgres"

    public static let root: String = {
        let base = "/tmp/mash-tests"
        try? FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        chmod(base, 0o1777)
        cleanUpStaleRuns(in: base)
        let dir = "\(base)/\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        chmod(dir, 0o777)
        return dir
    }()

    /// A new empty directory under this run's root, owned by the service user when running as root.
    public static func makeDirectory(_ prefix: String) throws -> String {
        let dir = "\(root)/\(prefix)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        if isRoot, let account = getpwnam(serviceUser) { chown(dir, account.pointee.pw_uid, gid_t(bitPattern: -1)) }
        return dir
    }

    /// Stops what runs of processes that are gone left running, and moves their folders aside to be
    /// deleted on a background thread.
    ///
    /// Quick on purpose: this runs inside `root`'s one-time initialisation, which every test that
    /// starts a server waits on, on the cooperative pool's few threads. Deleting a dead run's
    /// folders (PostgreSQL clusters: tens of thousands of files) inline held every test for minutes.
    private static func cleanUpStaleRuns(in base: String) {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: base) else { return }
        var trash: [String] = entries.filter { $0.hasPrefix(".trash-") }.map { "\(base)/\($0)" }
        for entry in entries {
            guard let pid = Int32(entry), pid != getpid(), kill(pid, 0) != 0 else { continue }
            let dir = "\(base)/\(entry)"
            stopServers(leftIn: dir)
            let aside = "\(base)/.trash-\(entry)-\(UUID().uuidString.prefix(8))"
            if rename(dir, aside) == 0 { trash.append(aside) }
        }
        guard !trash.isEmpty else { return }
        let thread = Thread { [trash] in
            for dir in trash { try? FileManager.default.removeItem(atPath: dir) }
        }
        thread.name = "mash-tests-cleanup"
        thread.qualityOfService = .background
        thread.start()
    }

    /// SIGKILLs each PostgreSQL, mosquitto and PgBouncer whose pid file is in `dir` — only when that
    /// pid still runs a program started on a file in `dir` (a pid from a dead run may be reused).
    private static func stopServers(leftIn dir: String) {
        guard let servers = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return }
        for server in servers {
            for pidFile in ["postmaster.pid", "data/postmaster.pid", "mosquitto.pid", "pgbouncer.pid"] {
                guard let text = try? String(contentsOfFile: "\(dir)/\(server)/\(pidFile)", encoding: .utf8),
                      let first = text.split(separator: "\n").first, let child = Int32(first.trimmingCharacters(in: .whitespaces)),
                      let command = FileManager.default.contents(atPath: "/proc/\(child)/cmdline"),
                      String(decoding: command, as: UTF8.self).contains(dir)
                else { continue }
                kill(child, SIGKILL)
            }
        }
    }
}
