import Testing
@testable import Telemetry

@Suite struct TelemetryDecoderRobustnessTests {
    static let validMessages: [String] = [
        #"{"ts":"2024-05-01T11:59:00.250+02:00","readings":{"temperature":21.5,"humidity":40.2,"door":true}}"#,
        #"{"ts":1714564740000,"readings":[{"sensor":"temp\u00e9rature","value":-21.5e0,"quality":"good","ts":1714564740.5,"metadata":{"a":[1,{"b":null}],"c":"\ud83d\ude00"}},{"sensor":"x","value":false}]}"#,
        #"[{"temperature":21.5,"ts":1714564740},{"readings":{"h":1}},{"readings":[{"sensor":"s","value":0.00005}]}]"#,
    ]

    /// Every proper prefix of a valid message is invalid JSON: one whole-message reject, no readings.
    @Test(arguments: validMessages)
    func truncatedAtEveryOffset(message: String) {
        let bytes = Array(message.utf8)
        #expect(decode(bytes).rejects.isEmpty, "the full message must be valid")
        for cut in 0..<bytes.count {
            let d = decode(Array(bytes[..<cut]))
            #expect(d.readings.isEmpty, "cut at \(cut)")
            #expect(d.rejects.map(\.reason) == [.malformedPayload], "cut at \(cut)")
            if !d.readings.isEmpty { return }
        }
    }

    @Test func randomBytesNeverCrashAndOnlyValidReadingsComeOut() {
        var rng = SplitMix64(state: 0x5EED)
        let alphabet = Array(#"{}[]":,.-+eE0123456789 \tnulltruefalsetsreadingssensorvalue\u00e9"#.utf8) + [0xC3, 0xA9, 0xFF, 0x00]
        var message = DecodedMessage()
        let decoder = TelemetryDecoder()
        for i in 0..<4_000 {
            let length = Int.random(in: 0...64, using: &rng)
            let payload: [UInt8] = (0..<length).map { _ in
                i % 2 == 0 ? UInt8.random(in: 0...255, using: &rng) : alphabet.randomElement(using: &rng)!
            }
            decoder.decode(payload, receivedAtMicros: receivedAt, into: &message)
            checkInvariants(message, payload)
        }
    }

    @Test func mutatedValidMessagesNeverCrash() {
        var rng = SplitMix64(state: 42)
        var message = DecodedMessage()
        let decoder = TelemetryDecoder(maxDepth: 8)
        for i in 0..<6_000 {
            var payload = Array(Self.validMessages[i % Self.validMessages.count].utf8)
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let at = Int.random(in: 0..<payload.count, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: payload[at] = UInt8.random(in: 0...255, using: &rng)
                case 1: payload.remove(at: at)
                default: payload.insert(Array(#"{}[]",:0-"#.utf8).randomElement(using: &rng)!, at: at)
                }
                if payload.isEmpty { break }
            }
            decoder.decode(payload, receivedAtMicros: receivedAt, into: &message)
            checkInvariants(message, payload)
        }
    }

    func checkInvariants(_ message: DecodedMessage, _ payload: [UInt8]) {
        #expect(!message.readings.isEmpty || !message.rejects.isEmpty)
        for r in message.readings {
            let limit = r.sensor.storage == .payload ? payload.count : message.scratch.count
            #expect(r.sensor.count > 0 && Int(r.sensor.start) + Int(r.sensor.count) <= limit)
            #expect(r.scaledValue.magnitude <= 999_999_999_999_999)
            #expect(r.timestampMicros >= TelemetryTime.earliestMicros && r.timestampMicros <= receivedAt + 300_000_000)
            if let m = r.metadata {
                payload.withUnsafeBytes { buf in
                    message.withBytes(m, payload: buf) { bytes in
                        #expect(bytes.first == UInt8(ascii: "{") && bytes.last == UInt8(ascii: "}"))
                    }
                }
            }
            // Names must be valid UTF-8 (String(validating:) fails otherwise).
            payload.withUnsafeBytes { buf in
                message.withBytes(r.sensor, payload: buf) { #expect(String(validating: $0, as: UTF8.self) != nil) }
            }
        }
        for reject in message.rejects where reject.detail.hasPrefix("invalid JSON") {
            #expect(message.readings.isEmpty && message.rejects.count == 1)
        }
    }
}
