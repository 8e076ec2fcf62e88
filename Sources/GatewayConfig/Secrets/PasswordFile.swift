import Foundation

/// A password kept in a file of its own (`mqtt.password_file`, `database.password_file`), so it
/// lives neither in the YAML nor in the environment; under systemd the file is a credential
/// (`LoadCredential=`) that only the service can read.
///
/// The password is the file's first line, without its line ending; the rest of the file is ignored
/// (room for a comment). Problems name the path and the fix, never the file's contents.
enum PasswordFile {
    /// The password in `path`, or the problem that keeps it from being used.
    static func read(_ path: String) -> Result<String, Problem> {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return .failure(Problem(code: .fileNotFound, message: "\"\(path)\" does not exist; create it with the password on its first line"))
        }
        guard !isDirectory.boolValue, let data = FileManager.default.contents(atPath: path) else {
            return .failure(Problem(
                code: .fileUnreadable,
                message: "\"\(path)\" cannot be read by this user; make it a file the gateway's user can read (mode 0600 or 0640)"))
        }
        let firstLine = data.split(separator: UInt8(ascii: "\n"), maxSplits: 1, omittingEmptySubsequences: false).first ?? Data()
        var password = firstLine[...]
        if password.last == UInt8(ascii: "\r") { password = password.dropLast() }
        guard !password.isEmpty else {
            return .failure(Problem(code: .missingValue, message: "\"\(path)\" has an empty first line; write the password on the first line"))
        }
        guard let text = String(data: Data(password), encoding: .utf8) else {
            return .failure(Problem(code: .notAllowed, message: "\"\(path)\" does not hold UTF-8 text on its first line; write the password as text"))
        }
        return .success(text)
    }

    /// Why a password file cannot be used; `message` mentions the path only.
    struct Problem: Error, Equatable {
        let code: ConfigurationProblem.Code
        let message: String
    }
}
