import Testing
@testable import GatewayConfig

@Suite struct RedactionTests {
    @Test(arguments: [
        ("mqtt://u:secret@h:1883", "mqtt://u:****@h:1883"),
        ("postgres://mash:secret@127.0.0.1:5432/mash", "postgres://mash:****@127.0.0.1:5432/mash"),
        ("postgres://mash@127.0.0.1:5432/mash", "postgres://mash@127.0.0.1:5432/mash"),
        ("mqtt://127.0.0.1:1883", "mqtt://127.0.0.1:1883"),
        ("mqtt://u:@h", "mqtt://u:****@h"),
        ("mqtt://u:p@ss@h", "mqtt://u:****@h"),
        ("mqtt://u:pa/ss@h", "mqtt://u:****@h"),
        ("mqtt://u:pa?ss@h", "mqtt://u:****@h"),
        ("mqtt://u:pa#ss@h", "mqtt://u:****@h"),
        ("postgres://u@h:5432/db?application_name=a@b", "postgres://u@h:5432/db?application_name=a@b"),
        ("postgres://h/db?user=u&password=secret&sslmode=require", "postgres://h/db?user=u&password=****&sslmode=require"),
        ("host=h password=secret dbname=d", "host=h password=**** dbname=d"),
        ("host=h password='sec ret' dbname=d", "host=h password=**** dbname=d"),
        ("not a url", "not a url"),
    ])
    func passwordsAreMasked(url: String, expected: String) {
        #expect(redacted(url: url) == expected)
    }

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
