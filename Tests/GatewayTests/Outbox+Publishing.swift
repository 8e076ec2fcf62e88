import Foundation
import Testing
import TestSupport

extension ControlIntegrationTests {
    /// What the gateway publishes goes through `gateway_outbox`: written with its cause, published
    /// once the broker takes it, in order, and not again after a restart.
    @Suite("Outbox publishing", .timeLimit(.minutes(3)))
    struct OutboxPublishingTests {
        @Test("alert events made while the broker is down are published when it returns, once each, in order; a restart publishes none again")
        func brokerDown() async throws {
            try await IngestFixture.withAlerts(forSeconds: 3, severity: "medium", escalateAfter: 1, maxLevel: 3) { f in
                // A persistent session: the subscription and what is queued for it survive the broker restart.
                let observer = try await MQTTProbe.connect(f.broker.url, subscribe: ["alerts/#"], persistent: true)
                defer { observer.close() }
                try f.temperature(85)
                try await f.expectSQL("SELECT count(*) FROM sensor_readings", "1")
                await f.broker.stop()
                // Raised after for_s, escalated twice a second apart: all while the broker is away.
                try await f.expectSQL("SELECT escalation_level FROM alerts WHERE alert_type = 'threshold'", "3", timeout: .seconds(20))
                try await f.expectSQL("SELECT count(*) FROM gateway_outbox WHERE published_at IS NULL", "3")
                #expect(observer.alertEvents().isEmpty)

                try await f.broker.restart()
                try await waitUntil("three alert events published", timeout: .seconds(30)) { observer.alertEvents().count >= 3 }
                try await f.expectSQL("SELECT count(*) FROM gateway_outbox WHERE published_at IS NULL", "0")
                let events = observer.alertEvents().map { "\($0["event"] as? String ?? "?") \($0["escalation_level"] as? Int ?? 0)" }
                #expect(events == ["raised 1", "escalated 2", "escalated 3"])

                #expect(await f.gateway.terminate() == 0)
                try await f.startGatewayAgain()
                try await f.gateway.waitForLog("outbox publisher active")
                try await waitUntil("the device probe reconnected") { f.device.client.isConnected }
                // A new event after the restart: anything published again would arrive before it (in order).
                try f.temperature(70)
                try await waitUntil("the resolved event", timeout: .seconds(30)) { !observer.alertEvents("sn-kitchen", "resolved").isEmpty }
                #expect(observer.alertEvents().map { $0["event"] as? String } == ["raised", "escalated", "escalated", "resolved"])
            }
        }
    }
}
