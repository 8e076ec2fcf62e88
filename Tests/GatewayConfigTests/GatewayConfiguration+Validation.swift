import Testing
@testable import GatewayConfig

/// One invalid setting: the YAML, the key that must be named, and a fragment of the fix.
struct InvalidCase: CustomTestStringConvertible, Sendable {
    let yaml: String
    let key: String
    let fix: String
    var testDescription: String { "\(key) ← \(yaml.replacingOccurrences(of: "\n", with: " "))" }

    init(_ yaml: String, _ key: String, _ fix: String) {
        self.yaml = yaml
        self.key = key
        self.fix = fix
    }
}

@Suite struct GatewayConfigurationValidationTests {
    static let cases: [InvalidCase] = [
        // mqtt
        .init("mqtt: {url: http://h:1883}", "mqtt.url", "use mqtt or mqtts"),
        .init("mqtt: {url: 'mqtt://:1883'}", "mqtt.url", "has no host"),
        .init("mqtt: {url: 'mqtt://h:0'}", "mqtt.url", "1...65535"),
        .init("mqtt: {url: 'mqtt://h:99999'}", "mqtt.url", "1...65535"),
        .init("mqtt: {url: 'mqtt://h:port'}", "mqtt.url", "invalid port"),
        .init("mqtt: {url: localhost}", "mqtt.url", "is not a URL"),
        .init("mqtt: {url: 'mqtt://h/topic'}", "mqtt.url", "path or query"),
        .init("mqtt: {url: 'mqtt://u:p%zz@h'}", "mqtt.url", "%XX"),
        .init("mqtt: {url: [a]}", "mqtt.url", "expected a string"),
        .init("mqtt: {client_id: ''}", "mqtt.client_id", "unique"),
        .init("mqtt: {client_id: 'a/b'}", "mqtt.client_id", "must not contain"),
        .init("mqtt: {shared_group: 'g+'}", "mqtt.shared_group", "must not contain"),
        .init("mqtt: {keepalive_s: 2}", "mqtt.keepalive_s", "5...65535"),
        .init("mqtt: {keepalive_s: thirty}", "mqtt.keepalive_s", "expected an integer"),
        .init("mqtt: {keepalive_s: '30'}", "mqtt.keepalive_s", "remove the quotes"),
        .init("mqtt: {keepalive_s: 30.5}", "mqtt.keepalive_s", "whole number"),
        .init("mqtt: {keepalive_s: }", "mqtt.keepalive_s", "has no value"),
        .init("mqtt: {protocol: v4}", "mqtt.protocol", "use v311 or v5"),
        .init("mqtt: {session_expiry_s: -1}", "mqtt.session_expiry_s", "0...4294967295"),
        .init("mqtt: {session_expiry_s: 4294967296}", "mqtt.session_expiry_s", "0...4294967295"),
        .init("mqtt: {qos: 3}", "mqtt.qos", "use 0, 1 or 2"),
        .init("mqtt: {qos: high}", "mqtt.qos", "expected an integer"),
        .init("mqtt: {reconnect_min_ms: 0}", "mqtt.reconnect_min_ms", "1...3600000"),
        .init("mqtt: {reconnect_min_ms: 5000, reconnect_max_ms: 1000}", "mqtt.reconnect_max_ms", "reconnect_min_ms"),
        .init("mqtt: {tls: {ca_file: /ca.pem}}", "mqtt.tls.ca_file", "mqtts://"),
        .init("mqtt: {tls: {insecure: true}}", "mqtt.tls.insecure", "mqtts://"),
        .init("mqtt: {url: 'mqtts://h', tls: {cert_file: /c.pem}}", "mqtt.tls.key_file", "needs both"),
        .init("mqtt: {url: 'mqtts://h', tls: {ca_file: ''}}", "mqtt.tls.ca_file", "give a path"),
        .init("mqtt: {tls: {insecure: maybe}}", "mqtt.tls.insecure", "true or false"),
        .init("mqtt: {tls: yes}", "mqtt.tls", "expected a mapping"),
        .init("mqtt: mqtt://h:1883", "mqtt", "expected a mapping"),
        // database
        .init("database: {url: 'mysql://u@h/db'}", "database.url", "use postgres or postgresql"),
        .init("database: {url: 'postgres:///mash'}", "database.url", "has no host"),
        .init("database: {url: 'host=localhost dbname=mash'}", "database.url", "is not a URL"),
        .init("database: {url: 'postgres://h:70000/db'}", "database.url", "1...65535"),
        .init("database: {url: 'postgres://h/db?sslmode=verify_full'}", "database.url",
              "sslmode=verify_full in \"postgres://h/db?sslmode=verify_full\" is not allowed; use disable, allow, prefer, require, verify-ca or verify-full"),
        .init("database: {url: 'postgres://h1,h2/db?target_session_attrs=readwrite'}", "database.url", "use any, read-write, read-only"),
        .init("database: {url: 'postgres://h1:5432,h2:5432/db'}", "database.url", "add ?target_session_attrs=read-write"),
        .init("database: {listen_url: 'mysql://u@h/db'}", "database.listen_url", "use postgres or postgresql"),
        .init("database: {listen_url: 'postgres:///mash'}", "database.listen_url", "has no host"),
        .init("database: {writer_connections: 0}", "database.writer_connections", "1...64"),
        .init("database: {connect_timeout_s: 0}", "database.connect_timeout_s", "1...3600"),
        // ingest
        .init("ingest: {batch_size: 0}", "ingest.batch_size", "1...100000"),
        .init("ingest: {batch_size: 100001}", "ingest.batch_size", "1...100000"),
        .init("ingest: {batch_size: 99999999999999999999999}", "ingest.batch_size", "too large"),
        .init("ingest: {batch_size: [1]}", "ingest.batch_size", "expected an integer, got a list"),
        .init("ingest: {flush_interval_ms: 0}", "ingest.flush_interval_ms", "1...60000"),
        .init("ingest: {flush_interval_ms: 60001}", "ingest.flush_interval_ms", "1...60000"),
        .init("ingest: {spool_dir: ''}", "ingest.spool_dir", "give a path"),
        .init("ingest: {spool_dir: {a: 1}}", "ingest.spool_dir", "expected a string, got a mapping"),
        .init("ingest: {unknown_devices: drop}", "ingest.unknown_devices", "\"drop\" is not allowed; use reject or register"),
        .init("ingest: {max_payload_bytes: 0}", "ingest.max_payload_bytes", "1...268435455"),
        .init("ingest: {max_json_depth: 0}", "ingest.max_json_depth", "1...1024"),
        .init("ingest: {ring_capacity_mb: 0}", "ingest.ring_capacity_mb", "1...65536"),
        .init("ingest: {ring_capacity_mb: 1, max_payload_bytes: 1000000}", "ingest.ring_capacity_mb", "max_payload_bytes"),
        .init("ingest: {spool_max_mb: 0}", "ingest.spool_max_mb", "1...16777216"),
        .init("ingest: {fsync_interval_ms: -1}", "ingest.fsync_interval_ms", "0...60000"),
        .init("ingest: {conventions: [native, homie]}", "ingest.conventions", "\"homie\" is not allowed; use native, esphome or tasmota"),
        .init("ingest: {conventions: []}", "ingest.conventions", "is empty; use at least one of native, esphome or tasmota"),
        .init("ingest: {conventions: [tasmota, Tasmota]}", "ingest.conventions", "listed twice"),
        .init("ingest: {conventions: {esphome: true}}", "ingest.conventions", "expected a list such as [native, esphome, tasmota]"),
        // partitions
        .init("partitions: {interval: year}", "partitions.interval", "use day, week or month"),
        .init("partitions: {retention_days: 0}", "partitions.retention_days", "1...36500"),
        .init("partitions: {premake: 0}", "partitions.premake", "1...366"),
        // presence
        .init("presence: {offline_after_s: 0}", "presence.offline_after_s", "1...2592000"),
        .init("presence: {offline_after_s: -5}", "presence.offline_after_s", "1...2592000"),
        .init("presence: {sweep_interval_ms: 1}", "presence.sweep_interval_ms", "10...60000"),
        .init("presence: {offline_alert_severity: urgent}", "presence.offline_alert_severity", "use low, medium, high or critical"),
        // commands
        .init("commands: {ttl_s: 0}", "commands.ttl_s", "1...31536000"),
        .init("commands: {poll_interval_s: 0}", "commands.poll_interval_s", "1...3600"),
        .init("commands: {max_timeout_s: 0}", "commands.max_timeout_s", "1...86400"),
        .init("commands: {max_retries_limit: -1}", "commands.max_retries_limit", "0...1000"),
        // alerts
        .init("alerts: {escalate_after_s: 0}", "alerts.escalate_after_s", "1...31536000"),
        .init("alerts: {max_escalation_level: 0}", "alerts.max_escalation_level", "1...100"),
        .init("alerts: {rules: {name: x}}", "alerts.rules", "expected a list of rules"),
        .init("alerts: {rules: [x]}", "alerts.rules[0]", "expected a rule"),
        .init("alerts: {rules: [{name: a, sensor: t}]}", "alerts.rules[0].above", "needs above, below or both"),
        .init("alerts: {rules: [{sensor: t, above: 1}]}", "alerts.rules[0].name", "is required"),
        .init("alerts: {rules: [{name: a, above: 1}]}", "alerts.rules[0].sensor", "is required"),
        .init("alerts: {rules: [{name: '', sensor: t, above: 1}]}", "alerts.rules[0].name", "is empty"),
        .init("alerts: {rules: [{name: a, sensor: t, above: 1, below: 5}]}", "alerts.rules[0].above", "must be greater than below"),
        .init("alerts: {rules: [{name: a, sensor: t, above: 5, below: 5}]}", "alerts.rules[0].above", "must be greater than below"),
        .init("alerts: {rules: [{name: a, sensor: t, above: 10, below: 0, hysteresis: 6}]}", "alerts.rules[0].hysteresis", "at most 5"),
        .init("alerts: {rules: [{name: a, sensor: t, above: 1, hysteresis: -1}]}", "alerts.rules[0].hysteresis", "0 or a positive"),
        .init("alerts: {rules: [{name: a, sensor: t, above: 1, for_s: -1}]}", "alerts.rules[0].for_s", "0...31536000"),
        .init("alerts: {rules: [{name: a, sensor: t, above: .inf}]}", "alerts.rules[0].above", "finite number"),
        .init("alerts: {rules: [{name: a, sensor: t, above: '80'}]}", "alerts.rules[0].above", "remove the quotes"),
        .init("alerts: {rules: [{name: a, sensor: t, above: 1, severity: urgent}]}", "alerts.rules[0].severity", "use low, medium, high or critical"),
        .init("alerts: {rules: [{name: a, sensor: t, above: 1, auto_resolve: sometimes}]}", "alerts.rules[0].auto_resolve", "true or false"),
        .init("alerts: {rules: [{name: a, sensor: t, above: 1}, {name: a, sensor: u, below: 1}]}", "alerts.rules[1].name", "must be unique"),
        .init("alerts: {rules: [{name: a, sensor: t, above: 1}, {name: b, sensor: t, above: 1, severity: bad}]}", "alerts.rules[1].severity", "use low"),
        // http, logging, top level
        .init("http: {listen: 'localhost'}", "http.listen", "use host:port"),
        .init("http: {listen: '127.0.0.1:70000'}", "http.listen", "0...65535"),
        .init("http: {listen: '::1:9108'}", "http.listen", "brackets"),
        .init("logging: {level: verbose}", "logging.level", "use trace, debug, info, notice, warning, error or critical"),
        .init("- a\n- b", "", "expected a mapping of sections"),
    ]

    @Test(arguments: cases)
    func invalidValueIsRejectedWithItsKey(_ invalid: InvalidCase) {
        let found = problems(invalid.yaml)
        #expect(found.count == 1, "\(found)")
        let problem = found.first
        #expect(problem?.key == invalid.key, "\(found)")
        #expect(problem?.message.contains(invalid.fix) == true, "\(String(describing: problem?.message))")
    }

    @Test func allProblemsAreReportedTogether() {
        let found = problems("""
            mqtt:
              qos: 5
              url: ftp://x
            ingest:
              batch_size: 0
              unknown_devices: drop
              flush_intervall_ms: 10
            alerts:
              rules:
                - {name: a, sensor: t}
                - {name: b, sensor: t, above: 1, severity: huge}
            """)
        #expect(Set(found.map(\.key)) == [
            "mqtt.qos", "mqtt.url", "ingest.batch_size", "ingest.unknown_devices", "ingest.flush_intervall_ms",
            "alerts.rules[0].above", "alerts.rules[1].severity",
        ])
        let error = ConfigurationError(problems: found)
        #expect(error.description.split(separator: "\n").count == found.count)
    }

    @Test("several hosts with target_session_attrs, as libpq takes them, and a direct listen_url are valid")
    func multiHostDatabaseURLIsValid() throws {
        let yaml = """
            database:
              url: postgres://mash@10.0.0.1:5432,10.0.0.2:5433/mash?target_session_attrs=read-write&sslmode=verify-full
              listen_url: postgres://mash@10.0.0.1:5432/mash
            """
        #expect(problems(yaml).isEmpty)
        let c = try GatewayConfiguration.parse(yaml: yaml, environment: [:])
        #expect(c.database.sessionURL == "postgres://mash@10.0.0.1:5432/mash")
        #expect(GatewayConfiguration().database.sessionURL == GatewayConfiguration().database.url)
    }

    @Test func problemsCarryTheirLine() {
        let found = problems("mqtt:\n  qos: 1\ningest:\n  batch_size: 0\n")
        #expect(found == [ConfigurationProblem(
            code: .outOfRange, key: "ingest.batch_size", message: "0 is out of range; use 1...100000", line: 4)])
        #expect(found[0].description == "ingest.batch_size: 0 is out of range; use 1...100000 (line 4)")
    }

    @Test func theBriefsExampleMessage() {
        let found = problems("ingest:\n  unknown_devices: drop\n")
        #expect(found.first?.description.hasPrefix("ingest.unknown_devices: \"drop\" is not allowed; use reject or register") == true)
    }

    @Test(arguments: [
        "mqtt: [\n", "mqtt:\n  url: a\n  url: b\n", "a: b: c\n", "mqtt:\n\t- x\n", "--- a\n--- b\n",
    ])
    func syntaxErrorsAreOneProblemWithALine(yaml: String) {
        let found = problems(yaml)
        #expect(found.count == 1)
        #expect(found.first?.code == .syntax)
        #expect(found.first?.line != nil)
    }

    @Test func syntaxErrorsNeverQuoteTheSource() {
        let found = problems("mqtt:\n  url: mqtt://u:hunter2@h\n  url: mqtt://u:hunter2@h\n")
        #expect(found.first?.code == .syntax)
        #expect(found.first?.description.contains("hunter2") == false)
        #expect(found.first?.message.contains("url") == true)
    }

    @Test func everyScalarKeyRejectsAWrongType() {
        for (section, keys) in GatewayConfiguration.knownKeys where !section.contains("[") {
            for key in keys where key != "tls" && key != "rules" {
                let parts = section.split(separator: ".")
                let yaml = parts.count == 1
                    ? "\(section):\n  \(key): {oops: 1}\n"
                    : "\(parts[0]):\n  \(parts[1]):\n    \(key): {oops: 1}\n"
                let found = problems(yaml)
                #expect(found.map(\.key) == ["\(section).\(key)"], "\(yaml) → \(found)")
                #expect(found.first?.code == .wrongType)
            }
        }
    }

    @Test func codeBuiltConfigurationsValidateToo() {
        var c = GatewayConfiguration()
        c.ingest.batchSize = 0
        c.mqtt.qos = 7
        #expect(c.validate().map(\.key) == ["mqtt.qos", "ingest.batch_size"])
    }
}
