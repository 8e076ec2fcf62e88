import Testing
@testable import GatewayConfig

@Suite struct GatewayConfigurationRedactionTests {
    @Test func problemsNeverShowPasswords() {
        for yaml in [
            "mqtt: {url: 'ftp://u:hunter2@h'}",
            "mqtt: {url: 'mqtt://u:hunter2@:1883'}",
            "mqtt: {url: 'mqtt://u:hunter2@h:99999'}",
            "mqtt: {url: 'mqtt://u:hun?ter2@h'}",
            "mqtt: {url: 'mqtt://u:hunter2@h/path'}",
            "mqtt: 'mqtt://u:hunter2@h'",
            "ingest: {batch_size: 'mqtt://u:hunter2@h'}",
            "database: {url: 'mysql://u:hunter2@h/db'}",
            "database: {url: 'postgres://u:hunter2@/db'}",
        ] {
            let found = problems(yaml)
            #expect(!found.isEmpty, "\(yaml)")
            let text = ConfigurationError(problems: found).description
            #expect(!text.contains("hunter2"), "\(text)")
            #expect(!text.contains("hun"), "\(text)")
        }
    }
}
