import Foundation
import Postgres
import Testing
import TestSupport

@Suite("SQLText")
struct SQLTextTests {
    @Test(arguments: [
        ([], "{}"),
        (["a"], #"{"a"}"#),
        (["a", "b", nil], #"{"a","b",NULL}"#),
        ([nil], "{NULL}"),
        (["NULL"], #"{"NULL"}"#),
        ([""], #"{""}"#),
        (["a,b"], #"{"a,b"}"#),
        (["{x}"], #"{"{x}"}"#),
        (["say \"hi\""], #"{"say \"hi\""}"#),
        ([#"C:\dir"#], #"{"C:\\dir"}"#),
        ([#"\""#], #"{"\\\""}"#),
        (["  padded "], #"{"  padded "}"#),
        (["Grüße, 温度 🌡️"], #"{"Grüße, 温度 🌡️"}"#),
        // A quote followed by a combining mark is one Character but still a quote to PostgreSQL.
        (["\"\u{301}"], "{\"\\\"\u{301}\"}"),
    ] as [([String?], String)])
    func arrayQuotesEveryElement(values: [String?], expected: String) {
        #expect(SQLText.array(values) == expected)
    }

    @Test func arrayOfUUIDsIsLowercase() throws {
        let id = try #require(UUID(uuidString: "0190F5B2-7C1A-7D3E-9A4B-5C6D7E8F9A0B"))
        #expect(SQLText.array([id, id]) == #"{"0190f5b2-7c1a-7d3e-9a4b-5c6d7e8f9a0b","0190f5b2-7c1a-7d3e-9a4b-5c6d7e8f9a0b"}"#)
    }

    @Test func plainArrayJoinsWithoutQuoting() {
        #expect(SQLText.plainArray([String]()) == "{}")
        #expect(SQLText.plainArray(["1", "-2", "3.5"]) == "{1,-2,3.5}")
    }

    @Test func timeConversionsAreExactIntegerArithmetic() {
        #expect(SQLText.timestamp("$1::bigint") == "('epoch'::timestamp + ($1::bigint) * interval '1 microsecond')")
        #expect(SQLText.microseconds("c.sent_at") == "(extract(epoch FROM c.sent_at) * 1000000)::bigint")
    }

    /// The literals mean to PostgreSQL what they say: every tricky element comes back unchanged.
    @Test func arraysRoundTripThroughPostgreSQL() async throws {
        let url = try await TestPostgres.shared().createDatabase()
        let db = try PostgresConnection.connect(url)
        defer { db.close() }
        let values: [String?] = ["a,b", "{x}", "say \"hi\"", #"C:\dir\"#, "NULL", nil, "", " x ", "Grüße, 温度 🌡️", "\"\u{301}"]
        let rows = try db.execute(
            "SELECT v, n FROM unnest($1::text[]) WITH ORDINALITY AS u(v, n) ORDER BY n", [SQLText.array(values)])
        #expect(rows.rows.map { $0[0] } == values)
        let times = try db.execute(
            "SELECT \(SQLText.microseconds(SQLText.timestamp("$1::bigint"))) AS us", ["-1234567890123457"])
        #expect(times[0, "us"] == "-1234567890123457")
    }
}
