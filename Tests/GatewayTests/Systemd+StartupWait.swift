import Foundation
import Testing
import TestSupport

/// A database that is down at boot: the gateway keeps extending systemd's start timeout while it
/// waits, and says READY=1 only once PostgreSQL is back and the schema is checked.
@Suite("systemd start-up wait", .timeLimit(.minutes(3)))
struct SystemdStartupWaitTests {
    @Test("EXTEND_TIMEOUT_USEC while PostgreSQL is down, READY=1 after it comes up")
    func extendsWhileWaiting() async throws {
        let cluster = try await TestPostgres.start()
        let database = try await cluster.migratedDatabase()
        await cluster.stop()
        let broker = try await TestBroker.start()
        let notify = try NotifySocket()
        let gateway = try GatewayProcess.start(
            config: try testGatewayConfig(mqttURL: broker.url, databaseURL: database),
            environment: ["NOTIFY_SOCKET": notify.path])
        try await waitUntil("two EXTEND_TIMEOUT_USEC while the database is down (got \(notify.messages))", timeout: .seconds(30)) {
            notify.messages.filter { $0.hasPrefix("EXTEND_TIMEOUT_USEC=") }.count >= 2
        }
        try await gateway.waitForLog("database unreachable, retrying")
        #expect(!notify.messages.contains { $0.hasPrefix("READY=1") }, "READY=1 before the database was reachable")
        for message in notify.messages where message.hasPrefix("EXTEND_TIMEOUT_USEC=") {
            let value = message.split(separator: "\n")[0].dropFirst("EXTEND_TIMEOUT_USEC=".count)
            // Longer than the retry wait plus a connection attempt, so systemd never fires first.
            #expect((Int(value) ?? 0) >= 30_000_000, "\(message)")
        }

        try await cluster.restart()
        try await waitUntil("READY=1 once PostgreSQL is back (got \(notify.messages))", timeout: .seconds(60)) {
            notify.messages.contains { $0.hasPrefix("READY=1") }
        }
        let messages = notify.messages
        let ready = try #require(messages.firstIndex { $0.hasPrefix("READY=1") })
        #expect(messages[..<ready].contains { $0.hasPrefix("EXTEND_TIMEOUT_USEC=") })
        #expect(await gateway.terminate() == 0)
        await cluster.stop()
    }
}
