import Foundation
import Testing
import Yams
@testable import GatewayConfig

@Suite struct GatewayConfigurationReferenceTests {
    /// `Config/gateway.yaml` is rendered from the key declarations; this fails when it was edited by
    /// hand or a declaration changed without regenerating it.
    @Test func shippedExampleIsTheRenderedReference() throws {
        let file = configDirectory().appendingPathComponent("gateway.yaml")
        let rendered = GatewayConfiguration.referenceDocument()
        if ProcessInfo.processInfo.environment["MASH_REGENERATE_CONFIG_REFERENCE"] == "1" {
            try rendered.write(to: file, atomically: true, encoding: .utf8)
        }
        let shipped = try String(contentsOf: file, encoding: .utf8)
        #expect(shipped == rendered, """
            Config/gateway.yaml differs from the key declarations in Sources/GatewayConfig/Keys. Regenerate it with
              MASH_REGENERATE_CONFIG_REFERENCE=1 swift test --filter GatewayConfigurationReferenceTests
            """)
    }

    @Test func everyKeyIsDocumentedWithItsDefaultAndAllowedValues() {
        let text = GatewayConfiguration.referenceDocument()
        // Comments are wrapped: join each comment's lines to search them.
        let comments = text.replacingOccurrences(of: #"\n *# "#, with: " ", options: .regularExpression)
        let defaults = GatewayConfiguration()
        for key in GatewayConfiguration.keys {
            #expect(!key.doc.isEmpty, "\(key.name) has no doc")
            guard case .inline(let value) = key.render(defaults) else { continue }
            #expect(text.contains("\(key.leaf): \(value)\n"), "\(key.name) is not shown with its default")
            #expect(comments.contains("Default: \(value)."), "\(key.name)'s default is not documented")
            if let allowed = key.allowed {
                #expect(comments.contains("Allowed: \(allowed)."), "\(key.name)'s allowed values are not documented")
            }
        }
    }

    @Test func keysAreDeclaredOnceAndEachReadsItsOwnField() throws {
        let names = GatewayConfiguration.keys.map(\.name)
        #expect(Set(names).count == names.count)
        let defaults = GatewayConfiguration()
        let changed = try GatewayConfiguration.parse(yaml: everyKeyYAML, environment: [:])
        var unchanged: [String] = []
        for key in GatewayConfiguration.keys {
            guard case .inline(let text) = key.render(changed) else { continue }
            guard key.render(changed) != key.render(defaults) else {
                unchanged.append(key.name)
                continue
            }
            // Reading the changed value into the defaults changes this key's rendering and no other's.
            var configuration = defaults
            key.read(&configuration, try #require(try Yams.compose(yaml: text)), ProblemLog())
            let differing = GatewayConfiguration.keys.filter { $0.render(configuration) != $0.render(defaults) }.map(\.name)
            #expect(differing == [key.name], "\(key.name) → \(differing)")
        }
        // Every inline key is exercised: the fixture gives each a value other than its default.
        #expect(unchanged.isEmpty, "keys the fixture leaves at their default: \(unchanged)")
    }
}
