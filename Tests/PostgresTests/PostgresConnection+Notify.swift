import Postgres
import Testing
import TestSupport

@Suite("PostgresConnection: LISTEN/NOTIFY")
struct PostgresConnectionNotifyTests {
    @Test func notificationFromAnotherConnectionIsDelivered() async throws {
        let url = try await TestPostgres.shared().createDatabase()
        let listener = try PostgresConnection.connect(url)
        let sender = try PostgresConnection.connect(url)
        try listener.listen("device commands")  // a name that needs quoting
        #expect(try listener.notifications(timeout: .milliseconds(50)).isEmpty)

        let senderPID = try sender.execute("SELECT pg_backend_pid() AS pid")[0, "pid"]
        try sender.notify("device commands", payload: #"{"id": "ü'1"}"#)
        try sender.notify("other", payload: "not for us")
        try sender.notify("device commands", payload: "second")

        var received: [PostgresNotification] = []
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(10)
        while received.count < 2, clock.now < deadline {
            received += try listener.notifications(timeout: .seconds(1))
        }
        #expect(received.map(\.payload) == [#"{"id": "ü'1"}"#, "second"])
        #expect(received.allSatisfy { $0.channel == "device commands" && "\($0.pid)" == senderPID })
        #expect(try listener.notifications(timeout: .zero).isEmpty)

        try listener.unlisten("device commands")
        try sender.notify("device commands", payload: "after unlisten")
        #expect(try listener.notifications(timeout: .milliseconds(200)).isEmpty)
    }

    @Test func timeoutReturnsEmptyAfterRoughlyTheTimeout() async throws {
        let url = try await TestPostgres.shared().createDatabase()
        let listener = try PostgresConnection.connect(url)
        try listener.listen("quiet")
        let clock = ContinuousClock()
        let start = clock.now
        #expect(try listener.notifications(timeout: .milliseconds(300)).isEmpty)
        let waited = clock.now - start
        #expect(waited >= .milliseconds(300))
        #expect(waited < .seconds(5))
    }
}
