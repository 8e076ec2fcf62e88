import Foundation
import Testing
import TestSupport

/// `mash-gateway --version` prints the one version the package is also built with.
@Suite("--version")
struct CLIVersionTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// The version as `.ci/package` reads it: the string literal in GatewayVersion.swift.
    static func sourceVersion() throws -> String {
        let text = try String(contentsOfFile: "\(repository)/Sources/GatewayConfig/GatewayVersion.swift", encoding: .utf8)
        let line = try #require(text.split(separator: "\n").first { $0.contains("static let current") })
        return String(try #require(line.split(separator: "\"").dropFirst().first))
    }

    @Test func printsNameAndVersionOnOneLine() throws {
        let result = try GatewayBinary.run(["--version"])
        #expect(result.status == 0)
        #expect(result.output == "mash-gateway \(try Self.sourceVersion())\n")
    }
}
