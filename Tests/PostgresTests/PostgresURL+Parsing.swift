import Postgres
import Testing

@Suite("PostgresURL")
struct PostgresURLTests {
    @Test(arguments: [
        ("postgres://mash:s3cret@db.local:5433/mash", "postgres://mash:****@db.local:5433/mash"),
        ("postgresql://mash:p%40ss@10.0.0.1/mash?sslmode=verify-full", "postgresql://mash:****@10.0.0.1/mash?sslmode=verify-full"),
        ("postgres://mash@127.0.0.1/mash", "postgres://mash@127.0.0.1/mash"),
        ("postgres://127.0.0.1/mash?user=u&password=s3cret", "postgres://127.0.0.1/mash?user=u&password=****"),
        ("postgres://:s3cret@host/db", "postgres://:****@host/db"),
    ])
    func redactionHidesThePassword(url: String, expected: String) throws {
        #expect(PostgresConnection.redactedURL(url) == expected)
        #expect(try PostgresURL(url).redacted == expected)
    }

    @Test func partsComeFromLibpq() throws {
        let url = try PostgresURL("postgres://mash:s3cret@db.local:5433/telemetry?sslmode=require&connect_timeout=3")
        #expect(url.user == "mash")
        #expect(url.host == "db.local")
        #expect(url.port == "5433")
        #expect(url.database == "telemetry")
        #expect(url.options["sslmode"] == "require")
        #expect(url.options["password"] == nil)
        #expect(url.target == "db.local:5433/telemetry")
        #expect(!"\(url)".contains("s3cret"))
    }

    @Test("several hosts: each with its port in messages")
    func multiHostTarget() throws {
        #expect(try PostgresURL("postgres://mash@h1:5432,h2:5433/mash?target_session_attrs=read-write").target == "h1:5432,h2:5433/mash")
        #expect(try PostgresURL("postgres://mash@h1,h2:6432/mash").target == "h1:5432,h2:6432/mash")
        #expect(try PostgresURL("postgres://mash@h1,h2/mash?port=6432").target == "h1:6432,h2:6432/mash")
        #expect(try PostgresURL("postgres:///mash").target == "local socket:5432/mash")
    }

    /// Accepted forms: (url, host, port, database) as libpq reads them.
    @Test(arguments: [
        ("postgres://mash@127.0.0.1:5432/mash", "127.0.0.1", "5432", "mash"),
        ("postgresql://mash@db/mash", "db", nil, "mash"),
        ("postgres://mash@h1:5432,h2:5433/mash?target_session_attrs=read-write", "h1,h2", "5432,5433", "mash"),
        ("postgres://mash@[::1]:5432/mash", "::1", "5432", "mash"),
        ("postgres:///mash", nil, nil, "mash"),
    ] as [(String, String?, String?, String?)])
    func acceptedForms(url: String, host: String?, port: String?, database: String?) throws {
        let parsed = try PostgresURL(url)
        #expect(parsed.host == host)
        #expect(parsed.port == port)
        #expect(parsed.database == database)
    }

    /// Rejected forms and the start of their message; none may show the password.
    @Test(arguments: [
        ("mysql://u:s3cret@h/db", "scheme \"mysql\" is not allowed in \"mysql://u:****@h/db\"; use postgres or postgresql"),
        ("host=localhost dbname=mash", "\"host=localhost dbname=mash\" is not a URL; use postgres://user@host:5432/dbname"),
        ("postgres://u:s3cret@h:70000/db", "\"postgres://u:****@h:70000/db\" has an invalid port; use a number in 1...65535"),
        ("postgres://u:s3cret@h:port/db", "\"postgres://u:****@h:port/db\" has an invalid port; use a number in 1...65535"),
        ("postgres://u:s3cret@h/db?no_such_option=1", "invalid URI query parameter"),
        ("postgres://u:s3%zzet@h/db", "invalid percent-encoded token"),
    ])
    func rejectedForms(url: String, message: String) {
        do {
            _ = try PostgresURL(url)
            Issue.record("\(url) was accepted")
        } catch {
            #expect(error.code == .invalidURL)
            #expect(error.message.hasPrefix(message), "\(error.message)")
            #expect(!error.description.contains("s3"), "\(error.description)")
        }
    }
}
