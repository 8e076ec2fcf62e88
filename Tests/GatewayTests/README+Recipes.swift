import Foundation
import Testing
import TestSupport

/// Every `mosquitto_pub`/`mosquitto_sub` line in README.md runs as written against the shipped broker
/// configuration (`Config/mosquitto.conf` + `Config/mosquitto.acl`, `allow_anonymous false`).
///
/// Recipes are the README's ```sh blocks whose first line is `# recipe NAME[/TERMINAL]: …`. The
/// `provision` recipe runs first (the password file's path substituted for a temporary one; a
/// `systemctl` line is skipped, the broker starts after it instead); the terminals of each other
/// recipe run at once as bash scripts, in order, each started once the filters of its
/// `mosquitto_sub` lines are subscribed (the broker's log says so). Only the shipped config's
/// port, paths and logging lines change; the client lines get the port from a
/// `$XDG_CONFIG_HOME/mosquitto_{pub,sub}` options file, so they run exactly as printed.
@Suite("README recipes run against the shipped broker configuration", .timeLimit(.minutes(3)))
struct ReadmeRecipeTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    struct Recipe {
        var name: String
        var terminal: Int
        var lines: [String]
        var script: String { lines.filter { !$0.hasPrefix("#") }.joined(separator: "\n") }
    }

    static func recipes(in readme: String) -> [Recipe] {
        var recipes: [Recipe] = []
        var current: [String]?
        for line in readme.components(separatedBy: "\n") {
            if current == nil {
                if line == "```sh" { current = [] }
                continue
            }
            if line == "```" {
                if let block = current, let first = block.first, first.hasPrefix("# recipe ") {
                    let label = first.dropFirst("# recipe ".count).prefix { $0 != ":" }
                    let parts = label.split(separator: "/")
                    recipes.append(Recipe(name: String(parts[0]), terminal: parts.count > 1 ? Int(parts[1]) ?? 1 : 1, lines: block))
                }
                current = nil
                continue
            }
            current?.append(line)
        }
        return recipes
    }

    static func mosquittoLines(_ text: String) -> [String] {
        text.components(separatedBy: "\n").filter {
            let line = $0.trimmingCharacters(in: .whitespaces)
            return line.hasPrefix("mosquitto_pub") || line.hasPrefix("mosquitto_sub") || line.contains("$(mosquitto_sub")
        }
    }

    /// The filters a script subscribes to (`mosquitto_sub … -t 'FILTER'`).
    static func subscriptions(_ script: String) -> [String] {
        mosquittoLines(script).filter { $0.contains("mosquitto_sub") }.compactMap { line in
            guard let range = line.range(of: "-t '") else { return nil }
            return String(line[range.upperBound...].prefix { $0 != "'" })
        }
    }

    @Test("every mosquitto line of the README is in a recipe, and every recipe runs and delivers")
    func recipesRun() async throws {
        let readme = try String(contentsOfFile: "\(Self.repository)/README.md", encoding: .utf8)
        let recipes = Self.recipes(in: readme)
        let covered = Set(recipes.flatMap { Self.mosquittoLines($0.lines.joined(separator: "\n")) })
        let all = Self.mosquittoLines(readme)
        #expect(!all.isEmpty)
        #expect(all.allSatisfy(covered.contains), "README lines outside a recipe: \(all.filter { !covered.contains($0) })")
        #expect(Set(recipes.map(\.name)) == ["provision", "telemetry", "command", "simulate"])

        // Database and provisioning, as the README says (mash-gateway found on the PATH).
        let postgres = try await TestPostgres.shared()
        let database = try await postgres.migratedDatabase()
        let databaseName = String(database.split(separator: "/").last!)
        let directory = try Harness.makeDirectory("recipes")
        let passwords = "\(directory)/mash.passwd"
        let binDirectory = URL(fileURLWithPath: GatewayBinary.path).deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: "\(directory)/xdg", withIntermediateDirectories: true)
        var env = ProcessInfo.processInfo.environment
        env["PATH"] = "\(binDirectory):\(env["PATH"] ?? "/usr/bin:/bin")"
        env["MASH_DATABASE_URL"] = database
        env["XDG_CONFIG_HOME"] = "\(directory)/xdg"
        let provision = try #require(recipes.first { $0.name == "provision" })
        let provisionScript = provision.lines.filter { !$0.hasPrefix("#") && !$0.hasPrefix("systemctl") }
            .joined(separator: "\n").replacingOccurrences(of: "/etc/mosquitto/mash.passwd", with: passwords)
        let provisioned = try runCommand("/bin/bash", ["-e", "-c", provisionScript], environment: env)
        #expect(provisioned.status == 0, "\(provisioned.output)")
        let gatewayPassword = try #require(provision.lines.first { $0.contains("mash.passwd mash-gateway ") }?.split(separator: " ").last)

        // The shipped broker config: only the port, paths and the subscribe log lines differ.
        let port = try freeLoopbackPort()
        var config = try String(contentsOfFile: "\(Self.repository)/Config/mosquitto.conf", encoding: .utf8)
        for (shipped, local) in [
            ("listener 1883 127.0.0.1", "listener \(port) 127.0.0.1"),
            ("persistence_location /var/lib/mosquitto/", "persistence_location \(directory)/"),
            ("password_file /etc/mosquitto/mash.passwd", "password_file \(passwords)"),
            ("acl_file /etc/mosquitto/mash.acl", "acl_file \(Self.repository)/Config/mosquitto.acl"),
            // stdout is block-buffered when it is not a terminal; stderr reaches the log at once.
            ("log_dest stdout", "log_dest stderr"),
        ] {
            #expect(config.contains(shipped), "Config/mosquitto.conf no longer has \"\(shipped)\"")
            config = config.replacingOccurrences(of: shipped, with: local)
        }
        config += "\nlog_type subscribe\n" + (Harness.isRoot ? "user root\n" : "")
        try config.write(toFile: "\(directory)/mosquitto.conf", atomically: true, encoding: .utf8)
        for tool in ["mosquitto_pub", "mosquitto_sub"] {
            try "-p \(port)\n".write(toFile: "\(directory)/xdg/\(tool)", atomically: true, encoding: .utf8)
        }
        let broker = try ChildProcess("/usr/sbin/mosquitto", ["-c", "\(directory)/mosquitto.conf"], logPath: "\(directory)/mosquitto.log")
        try await waitUntil("the broker on port \(port):\n\(broker.output())", timeout: .seconds(10)) {
            guard broker.isRunning else { throw TestSupportError("mosquitto exited:\n\(broker.output())") }
            return isListening(port: port)
        }
        let gateway = try GatewayProcess.start(config: try testGatewayConfig(
            mqttURL: "mqtt://mash-gateway:\(gatewayPassword)@127.0.0.1:\(port)", databaseURL: database))
        var terminals: [ChildProcess] = []
        do {
            try await gateway.waitForLog("ingest ready")
            try await waitUntil("the gateway subscribed; broker log:\n\(broker.output())") {
                broker.output().contains("devices/+/telemetry")
            }
            // The simulate recipe provisions more logins and reloads the broker: SIGHUP, as `systemctl reload` sends.
            var simulateEnv = env
            simulateEnv["MASH_MQTT_URL"] = "mqtt://127.0.0.1:\(port)"
            for recipe in recipes where recipe.name == "simulate" {
                let script = recipe.script.replacingOccurrences(of: "/etc/mosquitto/mash.passwd", with: passwords)
                    .replacingOccurrences(of: "systemctl reload mosquitto", with: "kill -HUP \(broker.pid)")
                let simulated = try runCommand("/bin/bash", ["-e", "-c", script], environment: simulateEnv)
                #expect(simulated.status == 0, "\(simulated.output)\nbroker log:\n\(broker.output().suffix(2000))")
                try await waitUntil("readings of each of the 3 simulated devices; gateway log:\n\(gateway.log.suffix(2000))") {
                    try postgres.psql("""
                        SELECT count(DISTINCT d.serial_number) FROM sensor_readings r JOIN devices d ON d.id = r.device_id
                        WHERE d.serial_number IN ('sim-00001', 'sim-00002', 'sim-00003')
                        """, database: databaseName) == "3"
                }
            }
            for name in ["telemetry", "command"] {
                for recipe in recipes.filter({ $0.name == name }).sorted(by: { $0.terminal < $1.terminal }) {
                    let before = broker.output().count
                    let terminal = try ChildProcess(
                        "/bin/bash", ["-e", "-c", recipe.script], logPath: "\(directory)/\(name)-\(recipe.terminal).log", environment: env)
                    terminals.append(terminal)
                    for filter in Self.subscriptions(recipe.script) {
                        try await waitUntil("recipe \(name)/\(recipe.terminal) subscribed to \(filter); its output: \(terminal.output())\nbroker log:\n\(broker.output().suffix(2000))") {
                            broker.output().dropFirst(before).contains(" \(filter)")
                        }
                    }
                }
            }
            // Telemetry: both readings stored, under the device's own login.
            try await waitUntil("the telemetry recipe's 3 readings; gateway log:\n\(gateway.log.suffix(2000))") {
                try postgres.psql("SELECT count(*) FROM sensor_readings r JOIN devices d ON d.id = r.device_id WHERE d.serial_number = 'sn-kitchen'", database: databaseName) == "3"
            }
            // The command session: the device answered, the operator saw it completed.
            let operatorTerminal = terminals[terminals.count - 3]
            try await waitUntil("the operator's terminal to show the command completed: \(operatorTerminal.output())\ngateway log:\n\(gateway.log.suffix(3000))", timeout: .seconds(60)) {
                operatorTerminal.output().contains(#""status":"completed""#)
            }
            for terminal in terminals where terminal !== operatorTerminal {
                #expect(await terminal.waitForExit(timeout: .seconds(20)) == 0, "\(terminal.arguments.last ?? ""): \(terminal.output())")
            }
            #expect(try postgres.psql("SELECT status FROM device_commands", database: databaseName) == "completed")
        } catch {
            for terminal in terminals { await terminal.stop() }
            _ = await gateway.terminate()
            await broker.stop()
            throw error
        }
        for terminal in terminals { await terminal.stop() }
        _ = await gateway.terminate()
        await broker.stop()
    }
}
