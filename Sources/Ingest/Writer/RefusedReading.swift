import Postgres
import Telemetry
import WallTime

/// A reading row PostgreSQL refused, read back from the batch to be stored as an `ingest_rejects` row.
///
/// The original MQTT message is gone by now (the batch holds rows, not messages), so the reject
/// records what was about to be stored: topic `devices/<device id>/telemetry` (a device id is a
/// valid device key), and as payload a JSON object with the row's columns — metadata as its
/// exact bytes — so an operator can see and replay it. `detail` carries the server's message.
struct RefusedReading {
    var device = ""
    var sensor = ""
    var value = ""
    var quality = ""
    var timestamp = ""
    var metadata: [UInt8] = Array("{}".utf8)

    init(row: ArraySlice<UInt8>) {
        row.withUnsafeBytes { bytes in
            var reader = CopyRowReader(bytes)
            guard (try? reader.integer(Int16.self)) == Int16(ReadingBatch.readingFieldCount) else { return }
            _ = try? reader.field()  // id
            if let field = try? reader.field() { device = Self.uuidText(field) }
            if let field = try? reader.field() { sensor = Self.uuidText(field) }
            if let field = try? reader.field(), let scaled = try? CopyRowReader.scaledNumeric(field) {
                value = Self.decimalText(scaled)
            }
            if let field = try? reader.field() { quality = String(decoding: field, as: UTF8.self) }
            if let field = try? reader.field(), field.count == 8 {
                let micros = CopyRowReader.bigEndian(field, at: 0, as: Int64.self) + BinaryCopyEncoder.postgresEpochOffsetMicroseconds
                timestamp = DateTimeText.format(micros, separator: "T", fraction: .sixDigitsUnlessZero) + "Z"
            }
            if let field = try? reader.field(), field.count >= 1 { metadata = Array(field[1...]) }
        }
    }

    /// The reject reason closest to what the server said.
    static func reason(for error: PostgresError) -> IngestRejectReason {
        let state = error.sqlState ?? ""
        switch state {
        case "23503":
            return error.message.contains("sensor_type") ? .unknownSensor : .unknownDevice
        case "22003":
            return .valueOutOfRange
        case "22008":
            return .timestampOutOfRange
        case "23514":
            return error.message.hasPrefix("no partition of relation") ? .timestampOutOfRange : .valueOutOfRange
        default:
            return .malformedPayload
        }
    }

    func appendReject(to batch: inout ReadingBatch, error: PostgresError, receivedAtMicros: Int64) {
        var payload = Array("{\"device_id\":\"\(device)\",\"sensor_type_id\":\"\(sensor)\",\"value\":\(value.isEmpty ? "null" : value),\"quality\":\"\(quality)\",\"ts\":\"\(timestamp)\",\"metadata\":".utf8)
        payload += metadata
        payload += Array("}".utf8)
        var detail = "PostgreSQL refused the reading: \(error.message)"
        if let extra = error.detail, !extra.isEmpty { detail += " — \(extra)" }
        if let state = error.sqlState { detail += " [SQLSTATE \(state)]" }
        batch.appendReject(
            receivedAtMicros: receivedAtMicros, topic: "devices/\(device)/telemetry", payload: payload,
            reason: Self.reason(for: error), detail: detail
        )
    }

    static func uuidText(_ field: UnsafeRawBufferPointer) -> String {
        let hex = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(36)
        for (i, byte) in field.enumerated() {
            if i == 4 || i == 6 || i == 8 || i == 10 { out.append(UInt8(ascii: "-")) }
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func decimalText(_ scaled: Int64) -> String {
        let magnitude = scaled.magnitude
        var out = Array("\(scaled < 0 ? "-" : "")\(magnitude / 10_000).".utf8)
        DateTimeText.appendDigits(Int(magnitude % 10_000), width: 4, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: Character(target), omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
