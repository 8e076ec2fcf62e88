import Foundation
import Testing
@testable import GatewayConfig

@Suite struct GatewayConfigurationDefaultsTests {
    @Test func defaultsAreTheDocumentedOnes() {
        let c = GatewayConfiguration()
        #expect(c.mqtt.url == "mqtt://127.0.0.1:1883")
        #expect(c.mqtt.clientID == "mash-gateway-1")
        #expect(c.mqtt.sharedGroup == "")
        #expect(c.mqtt.keepaliveSeconds == 30)
        #expect(c.mqtt.protocolVersion == .v5)
        #expect(c.mqtt.sessionExpirySeconds == 604_800)
        #expect(c.mqtt.qos == 1)
        #expect(c.mqtt.reconnectMinMilliseconds == 500)
        #expect(c.mqtt.reconnectMaxMilliseconds == 30_000)
        #expect(c.mqtt.tls == MQTTTLSSettings(caFile: nil, certFile: nil, keyFile: nil, insecure: false))
        #expect(c.database.url == "postgres://mash@127.0.0.1:5432/mash")
        #expect(c.database.writerConnections == 2)
        #expect(c.database.connectTimeoutSeconds == 5)
        #expect(c.ingest.batchSize == 5000)
        #expect(c.ingest.flushIntervalMilliseconds == 200)
        #expect(c.ingest.spoolDirectory == "/var/lib/mash-gateway/spool")
        #expect(c.ingest.unknownDevices == .reject)
        #expect(c.ingest.maxPayloadBytes == 262_144)
        #expect(c.ingest.maxJSONDepth == 32)
        #expect(c.ingest.ringCapacityMegabytes == 16)
        #expect(c.ingest.spoolMaxMegabytes == 1024)
        #expect(c.ingest.fsyncIntervalMilliseconds == 1000)
        #expect(c.partitions.interval == .day)
        #expect(c.partitions.retentionDays == 365)
        #expect(c.partitions.premake == 3)
        #expect(c.presence.offlineAfterSeconds == 90)
        #expect(c.presence.sweepIntervalMilliseconds == 1000)
        #expect(c.presence.offlineAlertSeverity == .medium)
        #expect(c.commands.ttlSeconds == 86_400)
        #expect(c.commands.pollIntervalSeconds == 5)
        #expect(c.commands.maxTimeoutSeconds == 3600)
        #expect(c.commands.maxRetriesLimit == 10)
        #expect(c.alerts.escalateAfterSeconds == 900)
        #expect(c.alerts.maxEscalationLevel == 3)
        #expect(c.alerts.rules.isEmpty)
        #expect(c.http.listen == "127.0.0.1:9108")
        #expect(c.logging.level == .info)
        #expect(c.validate().isEmpty)
    }

    @Test(arguments: ["", "\n", "# only a comment\n", "---\n", "~\n", "mqtt:\ningest:\n  # nothing\n"])
    func emptyDocumentsGiveTheDefaults(yaml: String) throws {
        #expect(try GatewayConfiguration.parse(yaml: yaml, environment: [:]) == GatewayConfiguration())
    }

    @Test func shippedExampleParsesToTheDefaults() throws {
        let path = configDirectory().appendingPathComponent("gateway.yaml").path
        let loaded = try GatewayConfiguration.load(path: path, environment: [:])
        #expect(loaded == GatewayConfiguration())
    }

    @Test func shippedExampleMentionsEveryKey() throws {
        let text = try String(contentsOf: configDirectory().appendingPathComponent("gateway.yaml"), encoding: .utf8)
        for (section, keys) in GatewayConfiguration.knownKeys where !section.contains("[") {
            for key in keys {
                #expect(text.contains("\(key):"), "Config/gateway.yaml lacks \(section).\(key)")
            }
        }
        for field in GatewayConfiguration.knownKeys.first(where: { $0.section == "alerts.rules[]" })!.keys {
            #expect(text.contains("\(field) ("), "Config/gateway.yaml does not document rule field \(field)")
        }
    }
}
