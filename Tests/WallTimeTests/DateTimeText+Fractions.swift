import Testing
import WallTime

@Suite("DateTimeText")
struct DateTimeTextTests {
    @Test(arguments: [
        (0, "1970-01-01 00:00:00.000000", "1970-01-01 00:00:00", "1970-01-01T00:00:00"),
        (500_000, "1970-01-01 00:00:00.500000", "1970-01-01 00:00:00.500000", "1970-01-01T00:00:00.5"),
        (-1, "1969-12-31 23:59:59.999999", "1969-12-31 23:59:59.999999", "1969-12-31T23:59:59.999999"),
        (1_714_564_800_000_010, "2024-05-01 12:00:00.000010", "2024-05-01 12:00:00.000010", "2024-05-01T12:00:00.00001"),
        (-62_167_219_200_000_000, "0000-01-01 00:00:00.000000", "0000-01-01 00:00:00", "0000-01-01T00:00:00"),
        (253_402_300_800_000_000, "10000-01-01 00:00:00.000000", "10000-01-01 00:00:00", "10000-01-01T00:00:00"),
    ] as [(Int64, String, String, String)])
    func fractionStyles(micros: Int64, six: String, unlessZero: String, trimmed: String) {
        #expect(DateTimeText.format(micros, fraction: .sixDigits) == six)
        #expect(DateTimeText.format(micros, fraction: .sixDigitsUnlessZero) == unlessZero)
        #expect(DateTimeText.format(micros, separator: "T", fraction: .trimmed) == trimmed)
    }

    @Test func millisecondsAreTruncatedToThreeDigits() {
        #expect(DateTimeText.format(1_714_564_800_999_999, separator: "T", fraction: .milliseconds) == "2024-05-01T12:00:00.999")
        #expect(DateTimeText.format(1_714_564_800_000_000, separator: "T", fraction: .milliseconds) == "2024-05-01T12:00:00.000")
        #expect(DateTimeText.format(-1, fraction: .milliseconds) == "1969-12-31 23:59:59.999")
    }

    @Test func appendsWithoutReplacingTheBuffer() {
        var out = Array("ts=".utf8)
        out.reserveCapacity(64)
        DateTimeText.append(1_714_564_800_000_000, separator: UInt8(ascii: "T"), fraction: .trimmed, to: &out)
        #expect(String(decoding: out, as: UTF8.self) == "ts=2024-05-01T12:00:00")
    }

    @Test func digitsPadAndNeverTruncate() {
        var out: [UInt8] = []
        DateTimeText.appendDigits(7, width: 3, to: &out)
        out.append(UInt8(ascii: " "))
        DateTimeText.appendDigits(12_345, width: 2, to: &out)
        out.append(UInt8(ascii: " "))
        DateTimeText.appendDigits(0, width: 1, to: &out)
        #expect(String(decoding: out, as: UTF8.self) == "007 12345 0")
    }
}
