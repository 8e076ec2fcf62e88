import ArgumentParser
import Foundation
import GatewayConfig
import Logging
import Gateway

/// `--config FILE`, shared by every subcommand.
struct ConfigOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Configuration file (YAML).",
            discussion: "Default: \(GatewayConfiguration.defaultPath); when that file does not exist, built-in defaults apply. MASH_DATABASE_URL and MASH_MQTT_URL override the URLs.",
            valueName: "FILE"
        )
    )
    var config: String?

    /// Loads and validates the configuration, or prints one line per problem and exits 78.
    ///
    /// An explicitly named file must exist; the default path may be absent (a first run, a demo),
    /// in which case the defaults and the environment overrides are the configuration.
    func load() throws -> GatewayConfiguration {
        let configuration = try loadValidated()
        // Certificate and key files named in the configuration must be readable here, now.
        let unreadable = configuration.fileProblems()
        guard unreadable.isEmpty else {
            for problem in unreadable { printError("configuration: \(problem)") }
            throw Exit.configuration
        }
        return configuration
    }

    private func loadValidated() throws -> GatewayConfiguration {
        let environment = ProcessInfo.processInfo.environment
        do {
            if let config {
                return try GatewayConfiguration.load(path: config, environment: environment)
            }
            if FileManager.default.fileExists(atPath: GatewayConfiguration.defaultPath) {
                return try GatewayConfiguration.load(path: GatewayConfiguration.defaultPath, environment: environment)
            }
            return try GatewayConfiguration.parse(yaml: "", environment: environment)
        } catch {
            for problem in error.problems {
                printError("configuration: \(problem)")
            }
            throw Exit.configuration
        }
    }

    /// ``load()``, then each `*.password_file` applied to its URL: for the commands that connect.
    func loadForConnecting() throws -> GatewayConfiguration {
        let configuration = try load()
        do {
            return try configuration.applyingPasswordFiles()
        } catch {
            for problem in error.problems {
                printError("configuration: \(problem)")
            }
            throw Exit.configuration
        }
    }

    var sourceDescription: String {
        if let config { return config }
        return FileManager.default.fileExists(atPath: GatewayConfiguration.defaultPath)
            ? GatewayConfiguration.defaultPath : "built-in defaults (no \(GatewayConfiguration.defaultPath))"
    }
}

/// One line on stderr, prefixed with the program name, as command-line tools do.
func printError(_ message: String) {
    LineSink.standardError.write("mash-gateway: \(message)\n")
}

/// The process-wide logger for a subcommand, writing one line per event to stderr.
func makeLogger(_ label: String, level: GatewayConfig.LogLevel) -> Logger {
    var logger = Logger(label: label) { label in LineLogHandler(label: label) }
    logger.logLevel = Logger.Level(rawValue: level.rawValue) ?? .info
    return logger
}
