import ArgumentParser
import GatewayConfig

@main
struct MashGateway: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mash-gateway",
        abstract: "Moves IoT device telemetry from MQTT into PostgreSQL, tracks device presence, dispatches commands and raises alerts.",
        discussion: """
            Devices publish on devices/{device}/...; operators on operators/{operator}/...; see README.md for the topics.
            Typical start: `mash-gateway migrate --seed`, then `mash-gateway run` (under systemd: systemd/mash-gateway.service).

            Exit codes:
              0   success (run: stopped by SIGTERM/SIGINT after draining)
              1   unexpected failure
              64  bad command line
              65  database schema behind this binary, or an applied migration was edited
              69  database or broker unreachable (one-shot commands)
              78  configuration invalid (restarting cannot help)
            """,
        version: "mash-gateway \(GatewayVersion.current)",
        subcommands: [Run.self, Migrate.self, CheckConfig.self, Simulate.self, Backup.self, Restore.self, Devices.self, Status.self]
    )
}
