import ConnectionURL
import Foundation
import Postgres

/// `pg_dump` or `pg_restore`, in the version that matches the server, run against a database URL.
///
/// A dump is only as good as the tool's version: an older `pg_dump` refuses a newer server, and a
/// `pg_restore` older than the dump cannot read it. Debian installs each major version under
/// `/usr/lib/postgresql/<major>/bin`, so the server's major version picks the tool; `PATH` is the
/// fallback. The URL goes on the tool's command line without its password (any local user can read
/// a command line); the password goes through `PGPASSWORD` in the tool's environment only.
struct PostgresTool {
    let path: String

    /// The `name` tool for a server of `serverMajor`, or nil when none is installed.
    static func locate(_ name: String, serverMajor: Int) -> String? {
        let versioned = "/usr/lib/postgresql/\(serverMajor)/bin/\(name)"
        if FileManager.default.isExecutableFile(atPath: versioned) { return versioned }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs the tool with `arguments`, connecting to `databaseURL` (`--dbname` is added); returns
    /// its exit status and what it printed on stderr, with any password scrubbed.
    func run(_ arguments: [String], databaseURL: String?, applicationName: String) throws -> (status: Int32, errors: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        var environment = ProcessInfo.processInfo.environment
        var password: String?
        var toolArguments = arguments
        if let databaseURL {
            let split = splittingPassword(from: databaseURL)
            password = split.password
            toolArguments.insert("--dbname=\(split.url)", at: 0)
            if let password { environment["PGPASSWORD"] = password }
        }
        environment["PGAPPNAME"] = applicationName
        process.environment = environment
        process.arguments = ["--no-password"] + toolArguments
        let errors = Pipe()
        process.standardInput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        let data = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        var text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if let password, !password.isEmpty { text = text.replacingOccurrences(of: password, with: redactedPassword) }
        return (process.terminationStatus, text)
    }
}

/// The server's major version (15 for 15.4), for ``PostgresTool/locate(_:serverMajor:)``.
func serverMajorVersion(_ connection: PostgresConnection) throws(PostgresError) -> Int {
    let rows = try connection.execute("SHOW server_version_num")
    guard let text = rows.rows.first?.first ?? nil, let number = Int(text) else {
        throw PostgresError(.queryFailed, message: "server_version_num is not a number", operation: "SHOW server_version_num")
    }
    return number / 10_000
}

/// Opens a connection for a one-shot command, or prints why not and exits 69.
func connectOrExit(_ url: String, applicationName: String, connectTimeoutSeconds: Int = 10) throws -> PostgresConnection {
    do {
        return try PostgresConnection.connect(url, applicationName: applicationName, connectTimeoutSeconds: connectTimeoutSeconds)
    } catch {
        printError("database unreachable: \(error)")
        throw Exit.unavailable
    }
}
