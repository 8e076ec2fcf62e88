import Postgres
import Testing
import TestSupport

@Suite("PostgresConnection: statements")
struct PostgresConnectionExecuteTests {
    @Test func executeWithParametersRoundTripsNullUnicodeAndQuotes() async throws {
        let url = try await TestPostgres.shared().createDatabase()
        let db = try PostgresConnection.connect(url)
        defer { db.close() }
        try db.execute("CREATE TABLE t (id int PRIMARY KEY, name text, note text)")
        let tricky = "Robert'); DROP TABLE t;-- \"quoted\" \\ backslash $1"
        let unicode = "Grüße, 温度 🌡️"
        let inserted = try db.execute(
            "INSERT INTO t VALUES ($1, $2, $3), ($4, $5, $6)", ["1", tricky, nil, "2", unicode, ""]
        )
        #expect(inserted.affectedRows == 2)
        let rows = try db.execute("SELECT id, name, note FROM t ORDER BY id")
        #expect(rows.columns == ["id", "name", "note"])
        #expect(rows.rows == [["1", tricky, nil], ["2", unicode, ""]])
        #expect(rows[1, "name"] == unicode)
        #expect(rows[0, "note"] == nil)
        #expect(try db.execute("SELECT count(*) AS n FROM t")[0, "n"] == "2")
    }

    @Test func failedStatementCarriesSQLStateAndLeavesConnectionUsable() async throws {
        let url = try await TestPostgres.shared().createDatabase()
        let db = try PostgresConnection.connect(url)
        try db.execute("CREATE TABLE t (id int PRIMARY KEY)")
        try db.execute("INSERT INTO t VALUES (1)")
        let error = try #require(throws: PostgresError.self) { try db.execute("INSERT INTO t VALUES ($1)", ["1"]) }
        #expect(error.code == .queryFailed)
        #expect(error.sqlState == "23505")
        #expect(error.detail?.contains("(id)=(1)") == true)
        #expect(error.description.contains("SQLSTATE 23505"))
        #expect(error.description.contains("127.0.0.1:\(try await TestPostgres.shared().port)/"))
        #expect(try db.execute("SELECT 1 AS one")[0, "one"] == "1")
    }

    @Test func executeScriptRunsSeveralStatements() async throws {
        let url = try await TestPostgres.shared().createDatabase()
        let db = try PostgresConnection.connect(url)
        try db.executeScript("""
            CREATE TABLE a (x int);
            CREATE TABLE b (y text);
            INSERT INTO a VALUES (1), (2);
            INSERT INTO b VALUES ('it''s');
            -- a comment
            """)
        #expect(try db.execute("SELECT sum(x) AS s FROM a")[0, "s"] == "3")
        #expect(try db.execute("SELECT y FROM b")[0, "y"] == "it's")
        // A failing script is atomic (one implicit transaction) and reports the failing statement's error.
        let error = try #require(throws: PostgresError.self) {
            try db.executeScript("INSERT INTO a VALUES (3); SELECT 1/0;")
        }
        #expect(error.sqlState == "22012")
        #expect(try db.execute("SELECT count(*) AS n FROM a")[0, "n"] == "2")
        try db.executeScript("")
    }

    @Test func transactionCommitsAndRollsBack() async throws {
        let url = try await TestPostgres.shared().createDatabase()
        let db = try PostgresConnection.connect(url)
        try db.execute("CREATE TABLE t (x int)")
        let value = try db.transaction {
            try db.execute("INSERT INTO t VALUES (1)")
            return 42
        }
        #expect(value == 42)
        struct Boom: Error {}
        #expect(throws: Boom.self) {
            try db.transaction {
                try db.execute("INSERT INTO t VALUES (2)")
                throw Boom()
            }
        }
        #expect(try db.execute("SELECT array_agg(x) AS xs FROM t")[0, "xs"] == "{1}")
        // An error swallowed inside the body still fails the transaction instead of committing nothing silently.
        let error = try #require(throws: PostgresError.self) {
            try db.transaction {
                try db.execute("INSERT INTO t VALUES (3)")
                _ = try? db.execute("SELECT 1/0")
            }
        }
        #expect(error.code == .queryFailed)
        #expect(try db.execute("SELECT count(*) AS n FROM t")[0, "n"] == "1")
        #expect(try db.execute("SELECT 1 AS one").rows == [["1"]])
    }
}
