import Postgres
import Testing

@Suite("StoreError")
struct StoreErrorTests {
    @Test func describesStoreOperationAndMessage() {
        let error = StoreError(.malformedRow, store: "commands", operation: "load active", message: "column id is missing or malformed")
        #expect(error.description == "commands: load active failed: column id is missing or malformed")
        #expect(error.code == .malformedRow)
    }

    @Test func prefersTheUnderlyingDatabaseError() {
        let underlying = PostgresError(.queryFailed, message: "relation \"alerts\" does not exist", sqlState: "42P01", target: "db:5432/mash", operation: "execute")
        let error = StoreError(.database, store: "alerts", operation: "load open threshold alerts", message: "ignored", underlying: underlying)
        #expect(error.description == "alerts: load open threshold alerts failed: \(underlying)")
        #expect(error.description.contains("[SQLSTATE 42P01]"))
        #expect(!error.description.contains("ignored"))
    }

    /// A URL's password never reaches the text: PostgresError scrubs it and StoreError adds only its own fields.
    @Test(arguments: ["postgres://mash:s3cret@db.local:99999/mash", "postgres://mash:s3cret@db.local/mash?nosuchoption=1"])
    func neverPrintsThePassword(url: String) {
        let underlying = #expect(throws: PostgresError.self) { try PostgresURL(url) }
        let error = StoreError(.database, store: "presence", operation: "connect", underlying: underlying)
        #expect(error.description.hasPrefix("presence: connect failed: PostgreSQL invalid URL"))
        #expect(!error.description.contains("s3cret"))
    }
}
