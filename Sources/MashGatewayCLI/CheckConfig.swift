import ArgumentParser
import GatewayConfig

struct CheckConfig: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate the configuration and print the effective settings (secrets masked).",
        discussion: "Exits 0 when the configuration is valid, 78 with one line per problem otherwise. Touches neither the broker nor the database."
    )

    @OptionGroup var options: ConfigOptions

    @Flag(name: .long, help: "Print nothing when the configuration is valid (for ExecStartPre=).")
    var quiet = false

    func run() throws {
        let configuration = try options.load()
        guard !quiet else { return }
        print("# effective settings from \(options.sourceDescription)")
        print(configuration.effectiveSettings(), terminator: "")
    }
}
