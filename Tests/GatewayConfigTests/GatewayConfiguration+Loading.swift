import ConnectionURL
import Foundation
import Testing
@testable import GatewayConfig

@Suite struct GatewayConfigurationLoadingTests {
    @Test func missingFileIsOneClearProblem() {
        #expect(throws: ConfigurationError(ConfigurationProblem(
            code: .fileNotFound, key: "",
            message: "config file /nonexistent/gw.yaml not found: pass --config FILE or create it; see Config/gateway.yaml"))) {
            try GatewayConfiguration.load(path: "/nonexistent/gw.yaml", environment: [:])
        }
    }

    @Test func directoryIsRejected() {
        do {
            _ = try GatewayConfiguration.load(path: NSTemporaryDirectory(), environment: [:])
            Issue.record("a directory loaded")
        } catch {
            #expect(error.problems.first?.code == .fileUnreadable)
        }
    }

    @Test func fileIsReadAndEnvironmentApplied() throws {
        let path = NSTemporaryDirectory() + "gateway-config-test-\(UUID().uuidString).yaml"
        try "ingest:\n  batch_size: 77\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let c = try GatewayConfiguration.load(path: path, environment: ["MASH_MQTT_URL": "mqtts://b"])
        #expect(c.ingest.batchSize == 77)
        #expect(try c.mqtt.endpoint() == MQTTURL(useTLS: true, host: "b"))
        #expect(try c.mqtt.endpoint().port == 8883)
    }
}
