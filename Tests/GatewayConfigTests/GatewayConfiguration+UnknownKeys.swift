import Testing
@testable import GatewayConfig

@Suite struct GatewayConfigurationUnknownKeyTests {
    @Test(arguments: [
        ("ingest:\n  batchsize: 10\n", "ingest.batchsize", "did you mean batch_size?"),
        ("ingest:\n  batchSize: 10\n", "ingest.batchSize", "did you mean batch_size?"),
        ("ingest:\n  flush_interval: 10\n", "ingest.flush_interval", "did you mean flush_interval_ms?"),
        ("mqtt:\n  clientid: x\n", "mqtt.clientid", "did you mean client_id?"),
        ("mqtt:\n  tls:\n    cafile: /x\n", "mqtt.tls.cafile", "did you mean ca_file?"),
        ("presence:\n  offline_after: 3\n", "presence.offline_after", "did you mean offline_after_s?"),
        ("ingest:\n  retention_days: 3\n", "ingest.retention_days", "did you mean partitions.retention_days?"),
        ("batch_size: 3\n", "batch_size", "did you mean ingest.batch_size?"),
        ("ingset:\n  batch_size: 3\n", "ingset", "did you mean ingest?"),
        ("alerts:\n  rules:\n    - {name: a, sensor: t, abvoe: 1, above: 2}\n", "alerts.rules[0].abvoe", "did you mean above?"),
        ("database:\n  pool: 3\n", "database.pool", "allowed keys here are url, password_file, listen_url, writer_connections, connect_timeout_s"),
        ("commands:\n  max_max_retries: 4\n", "commands.max_max_retries", "renamed to commands.max_retries_limit; use that name"),
    ])
    func unknownKeyIsRejectedWithASuggestion(yaml: String, key: String, hint: String) {
        let found = problems(yaml)
        #expect(found.count == 1, "\(found)")
        #expect(found.first?.key == key)
        #expect(found.first?.code == .unknownKey)
        #expect(found.first?.message.contains(hint) == true, "\(String(describing: found.first?.message))")
    }

    @Test func suggestionsStayQuietForUnrelatedWords() {
        #expect(suggestion(for: "colour", among: ["url", "client_id", "qos"]) == nil)
        #expect(suggestion(for: "qso", among: ["url", "client_id", "qos"]) == "qos")
    }
}
