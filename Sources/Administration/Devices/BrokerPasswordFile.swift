import Foundation

/// A mosquitto password file, updated with `mosquitto_passwd` (the broker's own tool, so the hash
/// format is always the one the installed broker reads).
///
/// The password crosses `mosquitto_passwd -b`'s command line, visible to other local users in
/// `ps` for the few milliseconds the tool runs; the file itself only ever holds the hash.
/// The broker reads the file at start and on SIGHUP: a new user can log in after a reload.
public struct BrokerPasswordFile: Sendable {
    public var path: String
    /// `mosquitto_passwd`, looked up on the PATH unless given.
    public var tool: String

    public init(path: String, tool: String? = nil) {
        self.path = path
        self.tool = tool ?? Self.findOnPath("mosquitto_passwd") ?? "/usr/bin/mosquitto_passwd"
    }

    /// Adds `user` or replaces its password; creates the file when it does not exist.
    public func set(user: String, password: String) throws(DeviceAdminError) {
        guard FileManager.default.isExecutableFile(atPath: tool) else {
            throw DeviceAdminError(.credentials, "mosquitto_passwd not found (install the mosquitto package); nothing added")
        }
        let create = !FileManager.default.fileExists(atPath: path)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = (create ? ["-c"] : []) + ["-b", path, user, password]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        do {
            try process.run()
        } catch {
            throw DeviceAdminError(.credentials, "could not run \(tool): \(error); nothing added")
        }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let reason = text.split(separator: "\n").first.map(String.init) ?? "exit status \(process.terminationStatus)"
            throw DeviceAdminError(.credentials, "mosquitto_passwd could not update \(path): \(reason); nothing added")
        }
    }

    /// A password of 24 letters and digits (≈140 bits) from the system's secure generator.
    public static func randomPassword() -> String {
        let alphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<24).map { _ in alphabet.randomElement(using: &generator)! })
    }

    static func findOnPath(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
