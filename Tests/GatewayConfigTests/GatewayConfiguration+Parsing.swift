import ConnectionURL
import Testing
@testable import GatewayConfig

@Suite struct GatewayConfigurationParsingTests {
    @Test func everyKeyIsRead() throws {
        let c = try GatewayConfiguration.parse(yaml: everyKeyYAML, environment: [:])
        #expect(c.mqtt == MQTTSettings(
            url: "mqtts://gw:s3cret@broker.example:8884", clientID: "gw-7", sharedGroup: "mash", keepaliveSeconds: 45,
            protocolVersion: .v311, sessionExpirySeconds: 3600, qos: 2, reconnectMinMilliseconds: 250,
            reconnectMaxMilliseconds: 10_000,
            tls: MQTTTLSSettings(caFile: "/etc/ssl/ca.pem", certFile: "/etc/ssl/gw.pem", keyFile: "/etc/ssl/gw.key", insecure: true),
            passwordFile: "/etc/passwd"))
        #expect(c.database == DatabaseSettings(url: "postgres://user@db.example:6432/mash", listenURL: "postgres://user@db.example:5432/mash",
                                            writerConnections: 3, connectTimeoutSeconds: 9, passwordFile: "/etc/passwd"))
        #expect(c.ingest == IngestSettings(
            batchSize: 1000, flushIntervalMilliseconds: 50, spoolDirectory: "/tmp/spool", unknownDevices: .register,
            maxPayloadBytes: 4096, maxJSONDepth: 8, ringCapacityMegabytes: 32, spoolMaxMegabytes: 10, fsyncIntervalMilliseconds: 0,
            rejectsRetentionDays: 7, rejectPayloadBytesPerDeviceHour: 4096,
            conventions: ["native", "tasmota"], flushWhenWriterFree: false))
        #expect(c.partitions == PartitionSettings(interval: .week, retentionDays: 30, premake: 5))
        #expect(c.presence == PresenceSettings(offlineAfterSeconds: 5, sweepIntervalMilliseconds: 100, offlineAlertSeverity: .high))
        #expect(c.commands == CommandSettings(ttlSeconds: 600, pollIntervalSeconds: 1, maxTimeoutSeconds: 120, maxRetriesLimit: 4))
        #expect(c.alerts.escalateAfterSeconds == 60)
        #expect(c.alerts.maxEscalationLevel == 5)
        #expect(c.alerts.rules == [
            try AlertRule(name: "hot", sensor: "temperature", above: 80, hysteresis: 2, forSeconds: 0, severity: .high, autoResolve: true),
            try AlertRule(name: "band", sensor: "humidity", above: 70.5, below: 20, hysteresis: 1.5, forSeconds: 30,
                          severity: .critical, autoResolve: false),
        ])
        #expect(c.http.listen == "0.0.0.0:9200")
        #expect(try c.http.listenAddress() == ListenAddress(host: "0.0.0.0", port: 9200))
        #expect(c.logging.level == .debug)
        #expect(c.outbox == OutboxSettings(maxAgeHours: 48, maxEntries: 5000))
        let endpoint = try c.mqtt.endpoint()
        #expect(endpoint == MQTTURL(useTLS: true, host: "broker.example", port: 8884, username: "gw", password: "s3cret"))
    }

    /// The exact block of CONTRACT §2.
    @Test func contractExampleParses() throws {
        let yaml = """
        mqtt:
          url: mqtt://127.0.0.1:1883        # mqtts://… for TLS; user:password@ allowed
          client_id: mash-gateway-1
          shared_group: ""                   # non-empty: subscribe via $share/<group>/… (scale-out)
        database:
          url: postgres://user@127.0.0.1:5432/mash
        ingest:
          batch_size: 5000                   # rows per COPY at most
          flush_interval_ms: 200
          spool_dir: /var/lib/mash-gateway/spool
          unknown_devices: reject            # reject | register
          max_payload_bytes: 262144
        partitions:
          interval: day                      # day | week | month
          retention_days: 365
        presence:
          offline_after_s: 90
        commands:
          ttl_s: 86400
        alerts:
          escalate_after_s: 900
          max_escalation_level: 3
          rules:
            - name: hot
              sensor: temperature
              above: 80                      # and/or below: -10
              hysteresis: 2
              for_s: 0
              severity: high                 # low | medium | high | critical
              auto_resolve: true
        http:
          listen: 127.0.0.1:9108             # GET /metrics (Prometheus text), GET /healthz
        """
        let c = try GatewayConfiguration.parse(yaml: yaml, environment: [:])
        #expect(c.database.url == "postgres://user@127.0.0.1:5432/mash")
        #expect(c.alerts.rules.count == 1)
        #expect(c.alerts.rules[0].above == 80)
        #expect(c.alerts.rules[0].below == nil)
        #expect(c.alerts.rules[0].severity == .high)
    }

    @Test func ruleDefaultsApply() throws {
        let c = try GatewayConfiguration.parse(yaml: """
            alerts:
              rules:
                - {name: cold, sensor: temperature, below: -10}
            """, environment: [:])
        #expect(c.alerts.rules == [try AlertRule(name: "cold", sensor: "temperature", below: -10)])
        #expect(c.alerts.rules[0].hysteresis == 0)
        #expect(c.alerts.rules[0].forSeconds == 0)
        #expect(c.alerts.rules[0].severity == .medium)
        #expect(c.alerts.rules[0].autoResolve == true)
    }

    @Test func friendlySpellingsAreAccepted() throws {
        let c = try GatewayConfiguration.parse(yaml: """
            mqtt: {protocol: V5, tls: {insecure: false}}
            ingest: {batch_size: 10_000, unknown_devices: Register}
            http: {listen: ""}
            logging: {level: WARNING}
            """, environment: [:])
        #expect(c.ingest.batchSize == 10_000)
        #expect(c.ingest.unknownDevices == .register)
        #expect(c.logging.level == .warning)
        #expect(try c.http.listenAddress() == nil)
    }

    @Test func sharedGroupPrefixesSubscriptions() {
        #expect(MQTTSettings().subscriptionFilter("devices/+/telemetry") == "devices/+/telemetry")
        #expect(MQTTSettings(sharedGroup: "g").subscriptionFilter("devices/+/telemetry") == "$share/g/devices/+/telemetry")
    }

    @Test func effectiveSettingsParseBackToTheSameConfiguration() throws {
        let original = try GatewayConfiguration.parse(yaml: everyKeyYAML.replacingOccurrences(of: "gw:s3cret@", with: "gw@"),
                                                      environment: [:])
        let text = original.effectiveSettings()
        #expect(try GatewayConfiguration.parse(yaml: text, environment: [:]) == original)
        #expect(try GatewayConfiguration.parse(yaml: GatewayConfiguration().effectiveSettings(), environment: [:]) == GatewayConfiguration())
    }

    @Test func effectiveSettingsMaskPasswords() throws {
        let c = try GatewayConfiguration.parse(yaml: everyKeyYAML, environment: ["MASH_DATABASE_URL": "postgres://u:pgsecret@db/mash"])
        let text = c.effectiveSettings()
        #expect(!text.contains("s3cret"))
        #expect(!text.contains("pgsecret"))
        #expect(text.contains("url: \"mqtts://gw:****@broker.example:8884\""))
        #expect(text.contains("url: \"postgres://u:****@db/mash\""))
        #expect(text.contains("  - name: \"hot\""))
    }
}
