import ConnectionURL
import Foundation
import Postgres

/// Checks against this machine: the certificate and key files the configuration names must be
/// readable by this process, now — not found out at the first TLS handshake, minutes into a run.
///
/// Kept apart from ``validate()``, which judges the text alone (a configuration written for
/// another host is still well-formed); `check-config` and every command that loads a file run both.
extension GatewayConfiguration {
    /// libpq's URL options that name files.
    static let postgresFileOptions = ["sslrootcert", "sslcert", "sslkey", "sslcrl"]

    /// One problem per unreadable file, keyed like ``validate()``'s.
    public func fileProblems(home: String? = ProcessInfo.processInfo.environment["HOME"]) -> [ConfigurationProblem] {
        var problems: [ConfigurationProblem] = []
        if (try? MQTTURL(parsing: mqtt.url))?.useTLS == true {
            let files = [("mqtt.tls.ca_file", mqtt.tls.caFile), ("mqtt.tls.cert_file", mqtt.tls.certFile), ("mqtt.tls.key_file", mqtt.tls.keyFile)]
            for case let (key, path?) in files {
                if let problem = Self.unreadable(path, key: key, what: "") { problems.append(problem) }
            }
        }
        for (key, text) in [("database.url", database.url), ("database.listen_url", database.listenURL)] where !text.isEmpty {
            guard let url = try? PostgresURL(text) else { continue }
            for option in Self.postgresFileOptions {
                guard let path = url.options[option] else { continue }
                if let problem = Self.unreadable(path, key: key, what: "\(option)=") { problems.append(problem) }
            }
            // verify-ca / verify-full without sslrootcert: libpq looks for ~/.postgresql/root.crt.
            if let mode = url.options["sslmode"], mode.hasPrefix("verify-"), url.options["sslrootcert"] == nil {
                let fallback = "\(home ?? "~")/.postgresql/root.crt"
                if !FileManager.default.isReadableFile(atPath: fallback) {
                    problems.append(ConfigurationProblem(
                        code: .fileNotFound, key: key,
                        message: "sslmode=\(mode) needs the CA certificate that signed the server's: add sslrootcert=/etc/mash-gateway/tls/db-ca.crt to the URL (\(fallback), libpq's default, does not exist)"))
                }
            }
        }
        return problems
    }

    private static func unreadable(_ path: String, key: String, what: String) -> ConfigurationProblem? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return ConfigurationProblem(code: .fileNotFound, key: key, message: "\(what)\(path) does not exist; give the path of a PEM file")
        }
        if isDirectory.boolValue {
            return ConfigurationProblem(code: .fileUnreadable, key: key, message: "\(what)\(path) is a directory; give the path of a PEM file")
        }
        guard FileManager.default.isReadableFile(atPath: path) else {
            return ConfigurationProblem(
                code: .fileUnreadable, key: key,
                message: "\(what)\(path) cannot be read by this user; make it readable by the service (see README, TLS)")
        }
        return nil
    }
}
