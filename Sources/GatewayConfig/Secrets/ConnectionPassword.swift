import ConnectionURL

/// The URL to connect with: `url` carrying the password from `passwordFile` when one is set.
///
/// The one place a `*.password_file` key is applied, for every URL key that has one (`mqtt.url`,
/// `database.url`, and any later URL): the file's first line replaces whatever password the URL
/// holds, so a password rotated in the file wins over a stale one in the YAML or the environment.
/// The file is read at each call, so a reconnect after a rotation can pick up the new password.
/// Problems are reported under `key` (the `password_file` key) and never contain the password;
/// the returned URL does, so log it only through `redacted(url:)`.
public func connectionURL(_ url: String, passwordFile: String?, key: String) throws(ConfigurationError) -> String {
    guard let passwordFile else { return url }
    switch PasswordFile.read(passwordFile) {
    case .failure(let problem):
        throw ConfigurationError(ConfigurationProblem(code: problem.code, key: key, message: problem.message))
    case .success(let password):
        guard let combined = replacingPassword(in: url, with: password) else {
            throw ConfigurationError(ConfigurationProblem(
                code: .invalidURL, key: key, message: "the URL it applies to is not a URL; fix that URL first"))
        }
        return combined
    }
}

extension GatewayConfiguration {
    /// This configuration with each password file applied to its URL (``connectionURL(_:passwordFile:key:)``),
    /// for the commands that connect; `check-config` prints the configuration as written instead.
    ///
    /// The result's `*.password_file` keys are cleared: the passwords are now in the URLs.
    public func applyingPasswordFiles() throws(ConfigurationError) -> GatewayConfiguration {
        var applied = self
        var problems: [ConfigurationProblem] = []
        do {
            applied.mqtt.url = try connectionURL(mqtt.url, passwordFile: mqtt.passwordFile, key: "mqtt.password_file")
            applied.mqtt.passwordFile = nil
        } catch {
            problems += error.problems
        }
        do {
            applied.database.url = try connectionURL(database.url, passwordFile: database.passwordFile, key: "database.password_file")
            if !database.listenURL.isEmpty {
                applied.database.listenURL = try connectionURL(
                    database.listenURL, passwordFile: database.passwordFile, key: "database.password_file")
            }
            applied.database.passwordFile = nil
        } catch {
            problems += error.problems
        }
        guard problems.isEmpty else { throw ConfigurationError(problems: problems) }
        return applied
    }
}

/// The check of a `*.password_file` key: the file must give a password (nil when unset or usable).
func passwordFileProblem(_ path: String?) -> (ConfigurationProblem.Code, String)? {
    guard let path, case .failure(let problem) = PasswordFile.read(path) else { return nil }
    return (problem.code, problem.message)
}
