import Foundation
@testable import Postgres
import Testing
import TestSupport

@Suite("PostgresConnection: binary COPY")
struct PostgresConnectionCopyTests {
    /// The columns of sensor_readings, with its CHECK, in a table of our own.
    static let table = """
        CREATE TABLE readings (
            id UUID NOT NULL,
            device_id UUID,
            sensor_type_id UUID,
            value DECIMAL(15,4) NOT NULL,
            quality_indicator VARCHAR(20) DEFAULT 'good' CHECK (quality_indicator IN ('good', 'uncertain', 'bad')),
            timestamp TIMESTAMP NOT NULL,
            metadata JSONB DEFAULT '{}',
            created_at TIMESTAMP
        )
        """
    static let copy = """
        COPY readings (id, device_id, sensor_type_id, value, quality_indicator, timestamp, metadata, created_at) \
        FROM STDIN (FORMAT binary)
        """

    struct Row {
        var id: (UInt64, UInt64)
        var device: UUID?
        var value: Int64
        var quality: String?
        var unixMicros: Int64
        var metadata: String?
        // What PostgreSQL prints back.
        var expectedID: String
        var expectedValue: String
        var expectedTimestamp: String
        var expectedMetadata: String?
    }

    static func text(scaled: Int64) -> String {
        let sign = scaled < 0 ? "-" : ""
        let magnitude = scaled.magnitude
        let fraction = String(magnitude % 10_000)
        return "\(sign)\(magnitude / 10_000).\(String(repeating: "0", count: 4 - fraction.count))\(fraction)"
    }

    @Test func everySensorReadingsColumnTypeRoundTripsExactly() async throws {
        let url = try await TestPostgres.shared().createDatabase()
        let db = try PostgresConnection.connect(url)
        defer { db.close() }
        try db.execute(Self.table)
        let device = UUID(uuidString: "6BA7B810-9DAD-11D1-80B4-00C04FD430C8")!
        let values: [Int64] = [
            0, 1, -1, 5_000, -5_000, 10_000, 123_456_789, -123_456_789, 1_000_000_000_001,
            999_999_999_999_999, -999_999_999_999_999, 100_000_000, 215_000,
        ]
        let rows: [Row] = values.enumerated().map { index, value in
            let unix = 1_709_296_496_123_456 + Int64(index) * 1_000_001
            let seconds = unix / 1_000_000
            let date = Date(timeIntervalSince1970: TimeInterval(seconds))
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "UTC")!
            let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
            let micros = String(unix % 1_000_000)
            let fraction = String(repeating: "0", count: 6 - micros.count) + micros
            let expectedTimestamp = String(format: "%04d-%02d-%02d %02d:%02d:%02d.", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
                + fraction.replacingOccurrences(of: "0+$", with: "", options: .regularExpression)
            let high = UInt64(0x0123_4567_89ab_cdef) &+ UInt64(index)
            let low = UInt64(0xfedc_ba98_7654_3210)
            let hexHigh = String(high, radix: 16).leftPadded(16)
            let hexLow = String(low, radix: 16).leftPadded(16)
            let idText = [
                hexHigh.prefix(8), hexHigh.dropFirst(8).prefix(4), hexHigh.dropFirst(12),
                hexLow.prefix(4), hexLow.dropFirst(4),
            ].joined(separator: "-")
            let odd = index % 2 == 1
            return Row(
                id: (high, low),
                device: odd ? nil : device,
                value: value,
                quality: odd ? nil : ["good", "uncertain", "bad"][index % 3],
                unixMicros: unix,
                metadata: odd ? nil : #"{"ort":"Küche ☕","quote":"it's \"x\"","n":[1,2.5]}"#,
                expectedID: idText,
                expectedValue: Self.text(scaled: value),
                expectedTimestamp: expectedTimestamp,
                expectedMetadata: odd ? nil : #"{"n": [1, 2.5], "ort": "Küche ☕", "quote": "it's \"x\""}"#
            )
        }

        var encoder = BinaryCopyEncoder()
        for row in rows {
            encoder.beginRow(fieldCount: 8)
            encoder.writeUUID(row.id)
            if let device = row.device { encoder.writeUUID(device) } else { encoder.writeNull() }
            encoder.writeNull()
            encoder.writeNumeric(scaled: row.value)
            if let quality = row.quality { encoder.writeText(quality) } else { encoder.writeNull() }
            encoder.writeTimestamp(unixMicroseconds: row.unixMicros)
            if let metadata = row.metadata { encoder.writeJSONB(metadata) } else { encoder.writeNull() }
            encoder.writeTimestamp(postgresMicroseconds: 0)
        }
        #expect(try db.copyIn(Self.copy, &encoder) == rows.count)

        let stored = try db.execute("""
            SELECT id, device_id, sensor_type_id, value, quality_indicator, timestamp, metadata, created_at
            FROM readings ORDER BY timestamp
            """)
        #expect(stored.rows.count == rows.count)
        for (index, row) in rows.enumerated() {
            #expect(stored[index, "id"] == row.expectedID)
            #expect(stored[index, "device_id"] == row.device.map { $0.uuidString.lowercased() })
            #expect(stored[index, "sensor_type_id"] == nil)
            #expect(stored[index, "value"] == row.expectedValue)
            #expect(stored[index, "quality_indicator"] == row.quality)
            #expect(stored[index, "timestamp"] == row.expectedTimestamp)
            #expect(stored[index, "metadata"] == row.expectedMetadata)
            #expect(stored[index, "created_at"] == "2000-01-01 00:00:00")
        }
        // Doubles are rounded to the column's 4 places.
        encoder.reset()
        for value in [21.5, 0.1 + 0.2, -1.23456] {
            encoder.beginRow(fieldCount: 8)
            encoder.writeUUID(high: 0, low: 1)
            encoder.writeNull()
            encoder.writeNull()
            encoder.writeNumeric(value)
            encoder.writeText("good")
            encoder.writeTimestamp(postgresMicroseconds: 0)
            encoder.writeJSONB("{}")
            encoder.writeNull()
        }
        #expect(try db.copyIn(Self.copy, &encoder) == 3)
        let doubles = try db.execute("SELECT value FROM readings WHERE timestamp = '2000-01-01' ORDER BY value")
        #expect(doubles.rows == [["-1.2346"], ["0.3000"], ["21.5000"]])
    }

    @Test func numericEncodingMatchesTheServersOwn() async throws {
        let url = try await TestPostgres.shared().createDatabase()
        let db = try PostgresConnection.connect(url)
        var generator = SystemRandomNumberGenerator()
        var values: [Int64] = [0, 1, -1, 10_000, 999_999_999_999_999, -999_999_999_999_999, 100_000_000, 5_000]
        for _ in 0..<200 { values.append(Int64.random(in: -999_999_999_999_999...999_999_999_999_999, using: &generator)) }
        for _ in 0..<100 { values.append(Int64.random(in: -100_000...100_000, using: &generator)) }
        for value in values {
            var encoder = BinaryCopyEncoder(reservingCapacity: 64)
            encoder.writeNumeric(scaled: value)
            let mine = encoder.bytes.dropFirst(BinaryCopyEncoder.headerSize + 4).map { String(format: "%02x", $0) }.joined()
            let server = try db.execute("SELECT encode(numeric_send($1::numeric(15,4)), 'hex') AS b", [Self.text(scaled: value)])
            #expect(server[0, "b"] == mine, "value \(Self.text(scaled: value))")
        }
    }

    @Test func largeCopyIsSentInChunks() async throws {
        let url = try await TestPostgres.shared().createDatabase()
        let db = try PostgresConnection.connect(url)
        try db.execute(Self.table)
        var encoder = BinaryCopyEncoder()
        let count = 50_000
        for index in 0..<count {
            encoder.beginRow(fieldCount: 8)
            encoder.writeUUID(high: UInt64(index), low: 7)
            encoder.writeNull()
            encoder.writeNull()
            encoder.writeNumeric(scaled: Int64(index))
            encoder.writeText("good")
            encoder.writeTimestamp(unixMicroseconds: Int64(index))
            encoder.writeJSONB(#"{"i":\#(index)}"#)
            encoder.writeNull()
        }
        encoder.finish()
        #expect(encoder.count > 4 * PostgresConnection.copyChunkSize)
        #expect(try db.copyIn(Self.copy, encoder.bytes) == count)
        let check = try db.execute("SELECT count(*) AS n, sum(value) AS s, max(metadata->>'i') AS m FROM readings")
        #expect(check[0, "n"] == "\(count)")
        #expect(check[0, "s"] == Self.text(scaled: Int64(count * (count - 1) / 2)))
    }

    @Test func rejectedCopyCarriesSQLStateAndConnectionStaysUsable() async throws {
        let url = try await TestPostgres.shared().createDatabase()
        let db = try PostgresConnection.connect(url)
        try db.execute(Self.table)
        var encoder = BinaryCopyEncoder()
        for quality in ["good", "excellent"] {
            encoder.beginRow(fieldCount: 8)
            encoder.writeUUID(high: 1, low: 2)
            encoder.writeNull()
            encoder.writeNull()
            encoder.writeNumeric(scaled: 1)
            encoder.writeText(quality)
            encoder.writeTimestamp(postgresMicroseconds: 0)
            encoder.writeNull()
            encoder.writeNull()
        }
        let check = try #require(throws: PostgresError.self) { try db.copyIn(Self.copy, &encoder) }
        #expect(check.code == .copyFailed)
        #expect(check.sqlState == "23514")
        #expect(check.description.contains("SQLSTATE 23514"))
        #expect(db.isConnected)

        // A value too large for DECIMAL(15,4), and a NULL in a NOT NULL column.
        encoder.reset()
        encoder.beginRow(fieldCount: 8)
        encoder.writeUUID(high: 1, low: 2)
        encoder.writeNull()
        encoder.writeNull()
        encoder.writeNumeric(scaled: 1_000_000_000_000_000)
        encoder.writeText("good")
        encoder.writeTimestamp(postgresMicroseconds: 0)
        encoder.writeNull()
        encoder.writeNull()
        let overflow = try #require(throws: PostgresError.self) { try db.copyIn(Self.copy, &encoder) }
        #expect(overflow.sqlState == "22003")

        // Malformed stream (wrong field count) is the server's protocol error, not a hang.
        encoder.reset()
        encoder.beginRow(fieldCount: 2)
        encoder.writeInt32(1)
        encoder.writeInt32(2)
        let malformed = try #require(throws: PostgresError.self) { try db.copyIn(Self.copy, &encoder) }
        #expect(malformed.code == .copyFailed)
        #expect(malformed.sqlState == "22P04")

        // Not a COPY at all.
        let notCopy = try #require(throws: PostgresError.self) { try db.copyIn("SELECT 1", [UInt8]()) }
        #expect(notCopy.code == .copyFailed)

        #expect(try db.execute("SELECT count(*) AS n FROM readings")[0, "n"] == "0")
        // And COPY works afterwards on the same connection.
        encoder.reset()
        encoder.beginRow(fieldCount: 8)
        encoder.writeUUID(high: 1, low: 2)
        encoder.writeNull()
        encoder.writeNull()
        encoder.writeNumeric(scaled: 1)
        encoder.writeText("bad")
        encoder.writeTimestamp(postgresMicroseconds: 0)
        encoder.writeNull()
        encoder.writeNull()
        #expect(try db.copyIn(Self.copy, &encoder) == 1)
    }

    @Test func copyThroughExecuteIsRefusedWithoutWedgingTheConnection() async throws {
        let url = try await TestPostgres.shared().createDatabase()
        let db = try PostgresConnection.connect(url)
        try db.execute("CREATE TABLE t (x int)")
        #expect(throws: PostgresError.self) { try db.execute("COPY t FROM STDIN") }
        #expect(try db.execute("SELECT 1 AS one")[0, "one"] == "1")
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}

@Suite("PostgresConnection: binary COPY rejected mid-stream")
struct PostgresConnectionCopyMidStreamTests {
    @Test func serverRejectionDuringALargeCopyIsReportedAndNothingIsStored() async throws {
        let url = try await TestPostgres.shared().createDatabase()
        let db = try PostgresConnection.connect(url)
        try db.execute(PostgresConnectionCopyTests.table)
        var encoder = BinaryCopyEncoder()
        // The bad row comes first, so the server rejects while megabytes are still being sent.
        for index in 0..<60_000 {
            encoder.beginRow(fieldCount: 8)
            encoder.writeUUID(high: UInt64(index), low: 1)
            encoder.writeNull()
            encoder.writeNull()
            encoder.writeNumeric(scaled: 1)
            encoder.writeText(index == 0 ? "terrible" : "good")
            encoder.writeTimestamp(postgresMicroseconds: 0)
            encoder.writeJSONB(#"{"padding": "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}"#)
            encoder.writeNull()
        }
        #expect(encoder.count > 4 * PostgresConnection.copyChunkSize)
        let error = try #require(throws: PostgresError.self) { try db.copyIn(PostgresConnectionCopyTests.copy, &encoder) }
        #expect(error.code == .copyFailed)
        #expect(error.sqlState == "23514")
        #expect(db.isConnected)
        #expect(try db.execute("SELECT count(*) AS n FROM readings")[0, "n"] == "0")
        // Inside a transaction the failure aborts it, and the transaction reports that.
        #expect(throws: PostgresError.self) {
            try db.transaction { try db.copyIn(PostgresConnectionCopyTests.copy, &encoder) }
        }
        #expect(try db.execute("SELECT 1 AS one")[0, "one"] == "1")
    }
}
