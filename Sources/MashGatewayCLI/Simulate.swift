import ArgumentParser

struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Simulate a device fleet.")
    @OptionGroup var options: ConfigOptions
    func run() async throws { _ = try options.load() }
}
