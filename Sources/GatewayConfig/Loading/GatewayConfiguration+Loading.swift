import Foundation
import Yams

extension GatewayConfiguration {
    /// Reads, parses and validates the file at `path`, then applies `MASH_DATABASE_URL` / `MASH_MQTT_URL`.
    ///
    /// The only I/O of this module. Throws every problem at once; a missing file is one problem
    /// (code `.fileNotFound`) that tells how to fix it.
    public static func load(path: String, environment: [String: String]) throws(ConfigurationError) -> GatewayConfiguration {
        try parse(yaml: readConfigFile(path), environment: environment)
    }

    /// Parses and validates YAML text; an empty document gives the defaults.
    public static func parse(yaml: String, environment: [String: String]) throws(ConfigurationError) -> GatewayConfiguration {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw ConfigurationError(syntaxProblem(error))
        }
        let log = ProblemLog()
        var configuration = read(root, log: log)
        var overridden: [String: String] = [:]
        for (variable, name) in environmentOverrides {
            guard let value = environment[variable], !value.isEmpty,
                  let key = keys.first(where: { $0.name == name }) else { continue }
            overridden[name] = variable
            // Read as a quoted YAML string, so the value is taken as written (never as null or a number).
            key.read(&configuration, .scalar(.init(value, Tag(.str), .doubleQuoted)), log)
        }
        var problems = log.problems
        for var problem in configuration.validate() {
            // A value that already failed to read kept its default; do not report the key twice.
            if log.hasProblem(at: problem.key) { continue }
            if let variable = overridden[problem.key] {
                problem.message += " (set by \(variable))"
            } else {
                problem.line = log.lines[problem.key]
            }
            problems.append(problem)
        }
        guard problems.isEmpty else { throw ConfigurationError(problems: problems) }
        return configuration
    }

    private static func readConfigFile(_ path: String) throws(ConfigurationError) -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ConfigurationError(ConfigurationProblem(
                code: .fileNotFound, key: "",
                message: "config file \(path) not found: pass --config FILE or create it; see Config/gateway.yaml"))
        }
        guard !isDirectory.boolValue else {
            throw ConfigurationError(ConfigurationProblem(
                code: .fileUnreadable, key: "", message: "config file \(path) is a directory: pass --config FILE with a YAML file"))
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError(ConfigurationProblem(
                code: .fileUnreadable, key: "", message: "config file \(path) cannot be read: check its permissions"))
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError(ConfigurationProblem(
                code: .fileUnreadable, key: "", message: "config file \(path) is not UTF-8 text"))
        }
        return text
    }

    /// One line for a YAML error, without the source snippet Yams adds (it could show a password).
    private static func syntaxProblem(_ error: any Error) -> ConfigurationProblem {
        switch error as? YamlError {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let detail = [context?.text, problem].compactMap { $0 }.joined(separator: ": ")
            return ConfigurationProblem(code: .syntax, key: "", message: "invalid YAML: \(detail) at column \(mark.column)", line: mark.line)
        case .duplicatedKeysInMapping(let duplicates, let context):
            return ConfigurationProblem(
                code: .syntax, key: "",
                message: "duplicate key \(list(duplicates)) in one mapping; keep one", line: context.mark.line)
        default:
            return ConfigurationProblem(code: .syntax, key: "", message: "invalid YAML: the file could not be parsed")
        }
    }
}
