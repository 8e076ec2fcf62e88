@testable import Telemetry

/// 2024-05-01T12:00:00Z, the receive time used throughout.
let receivedAt: Int64 = 1_714_564_800_000_000

/// A decoded reading with its bytes resolved, for readable expectations.
struct Reading: Equatable, CustomStringConvertible {
    var sensor: String
    var value: Int64
    var ts: Int64
    var quality: ReadingQuality? = nil
    var metadata: String? = nil
    var replaced = false

    var description: String { "\(sensor)=\(value)@\(ts) q=\(quality?.rawValue ?? "-") m=\(metadata ?? "-") r=\(replaced)" }
}

struct Decoded {
    var readings: [Reading]
    var rejects: [ReadingReject]
    var reasons: [IngestRejectReason] { rejects.map(\.reason) }
}

func decode(_ payload: String, receivedAt: Int64 = receivedAt, retentionCutoff: Int64? = nil,
            decoder: TelemetryDecoder = TelemetryDecoder()) -> Decoded {
    decode(Array(payload.utf8), receivedAt: receivedAt, retentionCutoff: retentionCutoff, decoder: decoder)
}

func decode(_ payload: [UInt8], receivedAt: Int64 = receivedAt, retentionCutoff: Int64? = nil,
            decoder: TelemetryDecoder = TelemetryDecoder()) -> Decoded {
    var message = DecodedMessage()
    decoder.decode(payload, receivedAtMicros: receivedAt, retentionCutoffMicros: retentionCutoff, into: &message)
    return resolve(message, payload)
}

func resolve(_ message: DecodedMessage, _ payload: [UInt8]) -> Decoded {
    payload.withUnsafeBytes { buf in
        Decoded(
            readings: message.readings.map { r in
                Reading(sensor: message.string(r.sensor, payload: buf), value: r.scaledValue, ts: r.timestampMicros,
                        quality: r.quality, metadata: r.metadata.map { message.string($0, payload: buf) },
                        replaced: r.timestampReplaced)
            },
            rejects: message.rejects)
    }
}

/// Microseconds of an RFC 3339 literal (test-side convenience; parsing itself is tested separately).
func us(_ rfc3339: String) -> Int64 { TelemetryTime.parseRFC3339(rfc3339)! }

/// A deterministic generator (SplitMix64) so fuzz runs are reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
