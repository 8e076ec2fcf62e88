import Postgres
import Testing
import TestSupport

@Suite("PostgresConnection: failures")
struct PostgresConnectionFailureTests {
    @Test func wrongPasswordIsAnAuthenticationFailureWithoutThePassword() async throws {
        let postgres = try await TestPostgres.shared()
        let database = try await postgres.createDatabase()
        let name = String(database.split(separator: "/").last!)
        let secret = "Wr0ng-Secret-Pa55"
        let error = try #require(throws: PostgresError.self) {
            try PostgresConnection.connect(postgres.url(database: name, password: secret))
        }
        #expect(error.code == .authenticationFailed)
        #expect(!error.description.contains(secret))
        #expect(!error.message.contains(secret))
        #expect(error.description.contains("127.0.0.1:\(postgres.port)/\(name)"))
        #expect(error.description.contains("password authentication failed"))
        #expect(!error.description.contains("\n"))
    }

    @Test func unreachablePortNamesHostAndPort() throws {
        let port = try freeLoopbackPort()
        let error = try #require(throws: PostgresError.self) {
            try PostgresConnection.connect("postgres://mash:hunter2@127.0.0.1:\(port)/mash", connectTimeoutSeconds: 2)
        }
        #expect(error.code == .connectionFailed)
        #expect(error.description.contains("127.0.0.1:\(port)"))
        #expect(error.description.contains("refused"))
        #expect(!error.description.contains("hunter2"))
        #expect(!error.description.contains("\n"))
    }

    @Test(arguments: [
        "mysql://u:hunter2@host/db",
        "host=localhost password=hunter2",
        "postgres://u:hunter2@host:notaport/db",
        "postgres://u:hunter2@host:70000/db",
        "postgres://u:hunter2@[::1/db",
        "postgres://u:hunter2@host/db?no_such_option=1",
        "postgres://u:hunter2%zz@host/db",
    ])
    func malformedURLIsInvalidURL(url: String) {
        let error = #expect(throws: PostgresError.self) { try PostgresConnection.connect(url) }
        #expect(error?.code == .invalidURL)
        #expect(error?.description.contains("hunter2") == false, "\(error?.description ?? "")")
    }

    @Test func urlOptionsAreHonoured() async throws {
        let postgres = try await TestPostgres.shared()
        let url = try await postgres.createDatabase()
        // The test server has no TLS, so requiring it must fail: proof sslmode reaches libpq.
        let tls = try #require(throws: PostgresError.self) { try PostgresConnection.connect(url + "?sslmode=require") }
        #expect(tls.code == .connectionFailed)
        #expect(tls.description.contains("SSL"))
        // The URL's application_name wins over the argument.
        let named = try PostgresConnection.connect(url + "?application_name=from-url", applicationName: "from-argument")
        #expect(try named.execute("SELECT current_setting('application_name') AS a")[0, "a"] == "from-url")
        let defaulted = try PostgresConnection.connect(url)
        #expect(try defaulted.execute("SELECT current_setting('application_name') AS a")[0, "a"] == "mash-gateway")
        // postgresql:// is accepted as well.
        let alias = try PostgresConnection.connect("postgresql://" + url.dropFirst("postgres://".count))
        #expect(alias.isConnected)
    }

    @Test func closedConnectionThrowsNotConnected() async throws {
        let url = try await TestPostgres.shared().createDatabase()
        let db = try PostgresConnection.connect(url)
        db.close()
        #expect(!db.isConnected)
        let error = try #require(throws: PostgresError.self) { try db.execute("SELECT 1") }
        #expect(error.code == .notConnected)
        try db.reconnect()
        #expect(try db.execute("SELECT 1 AS one")[0, "one"] == "1")
    }

    @Test func quotingHelpersMakeArbitraryNamesAndValuesSafe() async throws {
        let url = try await TestPostgres.shared().createDatabase()
        let db = try PostgresConnection.connect(url)
        let name = #"sensor_readings_2024"03; DROP "x"#
        let quoted = try db.quoteIdentifier(name)
        #expect(quoted == #""sensor_readings_2024""03; DROP ""x""#)
        try db.execute("CREATE TABLE \(quoted) (v text DEFAULT \(try db.quoteLiteral("it's \\ fine")))")
        try db.execute("INSERT INTO \(quoted) DEFAULT VALUES")
        #expect(try db.execute("SELECT v FROM \(quoted)")[0, "v"] == "it's \\ fine")
        #expect(try db.execute("SELECT relname FROM pg_class WHERE relname = $1", [name]).count == 1)
    }

    @Test func restartedServerIsNoticedAndReconnectRestoresTheSession() async throws {
        let postgres = try await TestPostgres.start()
        defer { Task { await postgres.stop() } }
        let url = try await postgres.createDatabase()
        let db = try PostgresConnection.connect(url)
        let listener = try PostgresConnection.connect(url)
        try listener.listen("events")
        try db.execute("CREATE TABLE t (x int)")
        try db.execute("INSERT INTO t VALUES (1)")

        await postgres.stop()
        try await waitUntil("the connection to notice the shutdown", timeout: .seconds(10)) { !db.isConnected }
        let lost = try #require(throws: PostgresError.self) { try db.execute("SELECT 1") }
        #expect(lost.code == .connectionLost || lost.code == .notConnected)
        let listenerLost = try #require(throws: PostgresError.self) { try listener.notifications(timeout: .seconds(2)) }
        #expect(listenerLost.code == .connectionLost)
        let down = try #require(throws: PostgresError.self) { try db.reconnect() }
        #expect(down.code == .connectionFailed)
        #expect(down.description.contains("127.0.0.1:\(postgres.port)"))

        try await postgres.restart()
        try db.reconnect()
        #expect(db.isConnected)
        #expect(try db.execute("SELECT x FROM t").rows == [["1"]])
        try listener.reconnect()  // LISTEN is restored
        try db.notify("events", payload: "back")
        var received: [PostgresNotification] = []
        try await waitUntil("the notification after reconnect", timeout: .seconds(10)) {
            received += try listener.notifications(timeout: .milliseconds(100))
            return !received.isEmpty
        }
        #expect(received.map(\.payload) == ["back"])
    }

    @Test func queryOnAConnectionWhoseServerWentAwayThrowsConnectionLost() async throws {
        let postgres = try await TestPostgres.start()
        defer { Task { await postgres.stop() } }
        let url = try await postgres.createDatabase()
        let db = try PostgresConnection.connect(url)
        await postgres.stop()
        // No isConnected probe first: the query itself must report the loss.
        let lost = try #require(throws: PostgresError.self) { try db.execute("SELECT 1") }
        #expect(lost.code == .connectionLost)
        #expect(!db.isConnected)
        try await postgres.restart()
        try db.reconnect()
        #expect(try db.execute("SELECT 2 AS two")[0, "two"] == "2")
    }
}
