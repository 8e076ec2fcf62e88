import ArgumentParser
import Foundation
import Postgres

/// `mash-gateway backup --output FILE`: one consistent `pg_dump -Fc` of the gateway's database.
struct Backup: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a consistent pg_dump (custom format) of the database to FILE.",
        discussion: """
            Dumps database.url (with database.password_file) in one snapshot, so readings, commands and alerts agree,
            using the pg_dump of the server's major version (/usr/lib/postgresql/<major>/bin) when installed. The dump is
            written beside FILE under a temporary name, flushed to disk and renamed to FILE only when complete: FILE is
            either the previous file or a whole new dump, never a truncated one. Restore it with `mash-gateway restore`.
            Exit 0 written, 69 database unreachable or pg_dump missing, 1 pg_dump failed (its messages follow), 78 bad configuration.
            """
    )

    @OptionGroup var options: ConfigOptions

    @Option(name: .long, help: ArgumentHelp("Where the dump goes (its folder must exist).", valueName: "FILE"))
    var output: String

    func run() throws {
        let configuration = try options.loadForConnecting()
        let started = ContinuousClock.now
        let target = URL(fileURLWithPath: output).standardizedFileURL
        let folder = target.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            printError("backup: folder \(folder) does not exist; create it or choose another --output")
            throw Exit.usage
        }
        let connection = try connectOrExit(configuration.database.url, applicationName: "mash-gateway backup",
                                           connectTimeoutSeconds: configuration.database.connectTimeoutSeconds)
        let major: Int
        do {
            major = try serverMajorVersion(connection)
        } catch {
            printError("database unreachable: \(error)")
            throw Exit.unavailable
        }
        connection.close()
        guard let path = PostgresTool.locate("pg_dump", serverMajor: major) else {
            printError("backup: pg_dump not found; install postgresql-client-\(major)")
            throw Exit.unavailable
        }
        let partial = "\(folder)/.\(target.lastPathComponent).partial-\(getpid())"
        defer { unlink(partial) }
        let result = try PostgresTool(path: path).run(
            ["--format=custom", "--compress=6", "--file=\(partial)"],
            databaseURL: configuration.database.url, applicationName: "mash-gateway backup")
        guard result.status == 0 else {
            printError("backup: pg_dump failed (status \(result.status)); \(target.path) unchanged")
            for line in result.errors.split(separator: "\n") { printError("backup: \(line)") }
            throw Exit.failure
        }
        try durablyRename(partial, to: target.path)
        let size = (try? FileManager.default.attributesOfItem(atPath: target.path)[.size] as? Int) ?? 0
        let elapsed = ContinuousClock.now - started
        print("backup: wrote \(target.path) (\(size) bytes, pg_dump \(major), \(elapsed.formatted(.units(allowed: [.seconds], fractionalPart: .show(length: 1)))))")
    }
}

/// Flushes `source` to disk, renames it to `destination` and flushes the folder, so after a crash
/// `destination` is either absent, the old file, or the whole new one.
func durablyRename(_ source: String, to destination: String) throws {
    let file = open(source, O_RDONLY)
    guard file >= 0 else { throw CocoaError(.fileReadUnknown, userInfo: [NSFilePathErrorKey: source]) }
    fsync(file)
    close(file)
    guard rename(source, destination) == 0 else {
        let reason = String(cString: strerror(errno))
        printError("backup: cannot rename \(source) to \(destination): \(reason)")
        throw Exit.failure
    }
    let folder = open(URL(fileURLWithPath: destination).deletingLastPathComponent().path, O_RDONLY | O_DIRECTORY)
    if folder >= 0 {
        fsync(folder)
        close(folder)
    }
}
