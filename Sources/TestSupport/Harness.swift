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
        if isRoot { _ = try? runCommand("/bin/chown", [serviceUser, dir]) }
        return dir
    }

    private static func cleanUpStaleRuns(in base: String) {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: base) else { return }
        for entry in entries {
            guard let pid = Int32(entry), pid != getpid(), kill(pid, 0) != 0 else { continue }
            let dir = "\(base)/\(entry)"
            // Stop any PostgreSQL cluster, mosquitto and PgBouncer the dead run left behind.
            if let enumerator = FileManager.default.enumerator(atPath: dir) {
                for case let path as String in enumerator where path.hasSuffix("postmaster.pid") || path.hasSuffix("mosquitto.pid") || path.hasSuffix("pgbouncer.pid") {
                    if let text = try? String(contentsOfFile: "\(dir)/\(path)", encoding: .utf8),
                       let first = text.split(separator: "\n").first, let child = Int32(first.trimmingCharacters(in: .whitespaces)) {
                        kill(child, SIGKILL)
                    }
                }
            }
            try? FileManager.default.removeItem(atPath: dir)
        }
    }
}
