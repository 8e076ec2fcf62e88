import Foundation
import Testing
@testable import Telemetry

/// Random valid messages decoded by Telemetry and by Foundation must agree on names and values.
@Suite struct TelemetryDecoderDifferentialTests {
    static let names = ["temperature", "humidity", "co2", "température", "😀", "a\"b", "tab\tname", "Δp", "x/y"]

    @Test func agreesWithFoundation() throws {
        var rng = SplitMix64(state: 2024)
        for _ in 0..<1_500 {
            var expected: [(String, Int64)] = []
            var members: [String] = []
            for _ in 0..<Int.random(in: 1...5, using: &rng) {
                let name = Self.names.randomElement(using: &rng)! + String(Int.random(in: 0...99, using: &rng))
                let text = randomNumberText(&rng)
                guard let scaled = expectedScaled(text) else { continue }
                expected.append((name, scaled))
                members.append("\(jsonString(name)):\(text)")
            }
            if expected.isEmpty { continue }
            let payload: String
            switch Int.random(in: 0..<3, using: &rng) {
            case 0: payload = "{\"readings\":{\(members.joined(separator: ","))}}"
            case 1:
                payload = "{\"readings\":[" + members.map { m -> String in
                    let colon = m.range(of: "\":", options: .backwards)!.lowerBound
                    return "{\"sensor\":\(m[...colon]),\"value\":\(m[m.index(colon, offsetBy: 2)...])}"
                }.joined(separator: ",") + "]}"
            default: payload = "{\(members.joined(separator: ","))}"
            }
            // Foundation must accept what we generate (keeps the generator honest).
            _ = try JSONSerialization.jsonObject(with: Data(payload.utf8))
            let d = decode(payload)
            // Flat/form-A objects may repeat a key; compare as multisets of (name, value).
            #expect(d.rejects.isEmpty, "\(payload): \(d.rejects)")
            #expect(d.readings.map { "\($0.sensor)=\($0.value)" }.sorted() == expected.map { "\($0.0)=\($0.1)" }.sorted(),
                    "\(payload)")
        }
    }

    func randomNumberText(_ rng: inout SplitMix64) -> String {
        let sign = Bool.random(using: &rng) ? "-" : ""
        let intPart = Bool.random(using: &rng) ? "0" : String(Int.random(in: 1...99_999_999, using: &rng))
        let frac = Bool.random(using: &rng) ? "" : "." + String((0..<Int.random(in: 1...9, using: &rng)).map { _ in
            Character(String(Int.random(in: 0...9, using: &rng)))
        })
        let exp = Int.random(in: 0..<4, using: &rng) == 0 ? "e\(Int.random(in: -6...3, using: &rng))" : ""
        return sign + intPart + frac + exp
    }

    /// Reference: Foundation's Decimal, rounded half away from zero (`.plain`) to 4 places.
    func expectedScaled(_ text: String) -> Int64? {
        guard var d = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")) else { return nil }
        var rounded = Decimal()
        NSDecimalRound(&rounded, &d, 4, .plain)
        let scaled = rounded * 10_000
        guard abs(scaled) <= Decimal(999_999_999_999_999) else { return nil }
        return NSDecimalNumber(decimal: scaled).int64Value
    }

    func jsonString(_ s: String) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: [s], options: [.fragmentsAllowed]), as: UTF8.self)
            .dropFirst().dropLast().description
    }
}
