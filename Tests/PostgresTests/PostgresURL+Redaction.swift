import Postgres
import Testing

@Suite("PostgresURL")
struct PostgresURLTests {
    @Test(arguments: [
        ("postgres://mash:s3cret@db.local:5433/mash", "postgres://mash:***@db.local:5433/mash"),
        ("postgresql://mash:p%40ss@10.0.0.1/mash?sslmode=verify-full", "postgresql://mash:***@10.0.0.1/mash?sslmode=verify-full"),
        ("postgres://mash@127.0.0.1/mash", "postgres://mash@127.0.0.1/mash"),
        ("postgres://127.0.0.1/mash?user=u&password=s3cret", "postgres://127.0.0.1/mash?user=u&password=***"),
        ("postgres://:s3cret@host/db", "postgres://:***@host/db"),
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
}
