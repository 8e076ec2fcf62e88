import ArgumentParser

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the gateway until SIGTERM/SIGINT.")
    @OptionGroup var options: ConfigOptions
    func run() async throws { _ = try options.load() }
}
