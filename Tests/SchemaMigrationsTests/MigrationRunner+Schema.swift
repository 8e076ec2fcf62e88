import Logging
import Postgres
import SchemaMigrations
import Testing

/// The embedded migrations build exactly the seed document's schema (plus the gateway's own tables).
@Suite("Schema after migrating")
struct MigrationRunnerSchemaTests {
    @Test func everySeedColumnWithItsTypeNullabilityAndDefault() async throws {
        let database = try await TestDatabase.make()
        let connection = try database.connect()
        defer { connection.close() }
        let (logger, _) = Logger.recording()
        let applied = try MigrationRunner(migrations: try Migration.embedded, logger: logger).migrate(connection)
        #expect(applied.map(\.name) == (try Migration.embedded).map(\.name))

        let rows = try connection.execute("""
            SELECT table_name, column_name, data_type, character_maximum_length, numeric_precision, numeric_scale,
                   udt_name, is_nullable, column_default
            FROM information_schema.columns
            WHERE table_schema = 'public'
            ORDER BY table_name, ordinal_position
            """)
        var actual: [String: [SeedColumn]] = [:]
        for row in rows.rows.indices {
            let table = rows[row, "table_name"]!
            actual[table, default: []].append(SeedColumn(
                table: table,
                column: rows[row, "column_name"]!,
                type: SchemaCatalog.typeName(
                    dataType: rows[row, "data_type"]!, length: rows[row, "character_maximum_length"],
                    precision: rows[row, "numeric_precision"], scale: rows[row, "numeric_scale"], udtName: rows[row, "udt_name"]!
                ),
                nullable: rows[row, "is_nullable"] == "YES",
                hasDefault: rows[row, "column_default"] != nil
            ))
        }
        let expected = Dictionary(grouping: SeedSchema.columns, by: \.table)
        #expect(expected.count == 13)
        for (table, columns) in expected {
            // Same columns, in the seed's order, with the seed's types, NOT NULLs and defaults.
            #expect(actual[table] == columns, "table \(table) differs from the seed")
        }
    }

    @Test func foreignKeysChecksAndIndexesOfTheSeed() async throws {
        let database = try await TestDatabase.make()
        let connection = try database.connect()
        defer { connection.close() }
        let (logger, _) = Logger.recording()
        try MigrationRunner(migrations: try Migration.embedded, logger: logger).migrate(connection)

        let fkRows = try connection.execute("""
            SELECT c.conrelid::regclass::text AS tbl, a.attname AS col, c.confrelid::regclass::text AS ref,
                   CASE c.confdeltype WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL' WHEN 'a' THEN 'NO ACTION'
                                      WHEN 'r' THEN 'RESTRICT' ELSE 'SET DEFAULT' END AS on_delete
            FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
            WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace
            """)
        let foreignKeys = Set(fkRows.rows.indices.map {
            SeedForeignKey(table: fkRows[$0, "tbl"]!, column: fkRows[$0, "col"]!, references: fkRows[$0, "ref"]!, onDelete: fkRows[$0, "on_delete"]!)
        })
        #expect(foreignKeys == Set(SeedSchema.foreignKeys))

        let checkRows = try connection.execute("""
            SELECT conrelid::regclass::text AS tbl, count(*) AS n FROM pg_constraint
            WHERE contype = 'c' AND connamespace = 'public'::regnamespace GROUP BY 1
            """)
        var checks: [String: Int] = [:]
        for row in checkRows.rows.indices { checks[checkRows[row, "tbl"]!] = Int(checkRows[row, "n"]!) }
        for (table, count) in SeedSchema.checkCounts {
            #expect((checks[table] ?? 0) == count, "CHECK constraints on \(table)")
        }

        let indexRows = try connection.execute("SELECT indexname, tablename, indexdef FROM pg_indexes WHERE schemaname = 'public'")
        var indexes: [String: SeedIndex] = [:]
        for row in indexRows.rows.indices {
            let definition = indexRows[row, "indexdef"]!
            indexes[indexRows[row, "indexname"]!] = SeedIndex(
                name: indexRows[row, "indexname"]!, table: indexRows[row, "tablename"]!,
                descending: definition.contains(" DESC"), partial: definition.contains(" WHERE ")
            )
        }
        for index in SeedSchema.indexes {
            #expect(indexes[index.name] == index, "index \(index)")
        }
    }

    @Test func sensorReadingsIsRangePartitionedWithPrimaryKeyIdAndTimestamp() async throws {
        let database = try await TestDatabase.make()
        let connection = try database.connect()
        defer { connection.close() }
        let (logger, _) = Logger.recording()
        try MigrationRunner(migrations: try Migration.embedded, logger: logger).migrate(connection)

        #expect(try TestDatabase.value(connection, """
            SELECT pg_get_partkeydef(partrelid) FROM pg_partitioned_table WHERE partrelid = 'sensor_readings'::regclass
            """) == "RANGE (\"timestamp\")")
        #expect(try TestDatabase.value(connection, """
            SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'sensor_readings'::regclass AND contype = 'p'
            """) == "PRIMARY KEY (id, \"timestamp\")")
    }

    @Test func ingestRejectsKeepsExactBytesAndOnlyKnownReasons() async throws {
        let database = try await TestDatabase.make()
        let connection = try database.connect()
        defer { connection.close() }
        let (logger, _) = Logger.recording()
        try MigrationRunner(migrations: try Migration.embedded, logger: logger).migrate(connection)

        for reason in ["malformed_payload", "payload_too_large", "unknown_device", "unknown_sensor", "value_out_of_range", "timestamp_out_of_range"] {
            try connection.execute("""
                INSERT INTO ingest_rejects (received_at, topic, payload, reason, detail)
                VALUES (now() AT TIME ZONE 'UTC', 'devices/x/telemetry', '\\xff00fe'::bytea, $1, 'test')
                """, [reason])
        }
        #expect(try TestDatabase.value(connection, "SELECT count(*) FROM ingest_rejects WHERE payload = '\\xff00fe'::bytea") == "6")
        let bad = #expect(throws: PostgresError.self) {
            try connection.execute("INSERT INTO ingest_rejects (received_at, reason) VALUES (now(), 'whatever')")
        }
        #expect(bad?.sqlState == "23514")
        #expect(throws: PostgresError.self) {
            try connection.execute("INSERT INTO ingest_rejects (reason) VALUES ('unknown_device')")
        }
        #expect(try TestDatabase.value(connection, """
            SELECT count(*) FROM pg_indexes WHERE tablename = 'ingest_rejects' AND indexdef LIKE '%(received_at)%'
            """) == "1")
    }
}

/// Renders information_schema's type columns the way SeedSchema spells the seed's types.
enum SchemaCatalog {
    static func typeName(dataType: String, length: String?, precision: String?, scale: String?, udtName: String) -> String {
        switch dataType {
        case "character varying": return "varchar(\(length ?? "?"))"
        case "numeric": return "numeric(\(precision ?? "?"),\(scale ?? "?"))"
        case "timestamp without time zone": return "timestamp"
        case "ARRAY": return String(udtName.dropFirst()) + "[]"
        default: return dataType
        }
    }
}
