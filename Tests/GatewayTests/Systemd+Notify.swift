import Foundation
import Testing
import TestSupport

/// `Type=notify` as systemd sees it: a datagram socket in NOTIFY_SOCKET receives READY=1 once the
/// gateway is ready, WATCHDOG=1 while its ingest loop runs, and STOPPING=1 on SIGTERM.
@Suite("systemd notify")
struct SystemdNotifyTests {
    @Test("READY=1, then WATCHDOG=1 pings, then STOPPING=1")
    func notifications() async throws {
        let notify = try NotifySocket()

        let broker = try await TestBroker.start()
        let database = try await TestPostgres.shared().migratedDatabase()
        let gateway = try GatewayProcess.start(
            config: testGatewayConfig(mqttURL: broker.url, databaseURL: database),
            environment: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "400000"])
        try await waitUntil("READY=1 and two watchdog pings (got \(notify.messages))") {
            let received = notify.messages
            return received.contains { $0.hasPrefix("READY=1") } && received.filter { $0 == "WATCHDOG=1" }.count >= 2
        }
        #expect(await gateway.terminate() == 0)
        try await waitUntil("STOPPING=1 (got \(notify.messages))") {
            notify.messages.contains("STOPPING=1")
        }
        let received = notify.messages
        let ready = try #require(received.firstIndex { $0.hasPrefix("READY=1") })
        #expect(received.firstIndex(of: "WATCHDOG=1")! > ready, "no ping before READY")
    }
}
