import Foundation
@testable import Postgres
import Testing

/// Byte-exact checks of the binary COPY encoding, without a server.
@Suite("BinaryCopyEncoder: bytes")
struct BinaryCopyEncoderBytesTests {
    /// The bytes of one field written by `write` (after the 19-byte header).
    func field(_ write: (inout BinaryCopyEncoder) -> Void) -> [UInt8] {
        var encoder = BinaryCopyEncoder(reservingCapacity: 64)
        write(&encoder)
        return Array(encoder.bytes.dropFirst(BinaryCopyEncoder.headerSize))
    }

    func hex(_ text: String) -> [UInt8] {
        let digits = text.filter { !$0.isWhitespace }
        return stride(from: 0, to: digits.count, by: 2).map { offset in
            let start = digits.index(digits.startIndex, offsetBy: offset)
            return UInt8(digits[start...digits.index(after: start)], radix: 16)!
        }
    }

    @Test func streamHasHeaderRowsAndTrailer() {
        var encoder = BinaryCopyEncoder()
        encoder.beginRow(fieldCount: 2)
        encoder.writeInt32(42)
        encoder.writeNull()
        encoder.finish()
        encoder.finish()  // idempotent
        #expect(encoder.bytes == hex("""
            5047434f50590aff0d0a00 00000000 00000000
            0002 00000004 0000002a ffffffff
            ffff
            """))
        #expect(encoder.rowCount == 1)
    }

    @Test func resetKeepsCapacityAndRewritesHeader() {
        var encoder = BinaryCopyEncoder(reservingCapacity: 4096)
        for _ in 0..<50 {
            encoder.beginRow(fieldCount: 1)
            encoder.writeText("some text")
        }
        let capacity = encoder.bytes.capacity
        encoder.reset()
        #expect(encoder.bytes.capacity == capacity)
        #expect(encoder.count == BinaryCopyEncoder.headerSize)
        #expect(encoder.rowCount == 0)
        #expect(!encoder.isFinished)
    }

    @Test(arguments: [
        // scaled value (×10^4), expected field bytes: length, ndigits, weight, sign, dscale, digits
        (Int64(0), "00000008 0000 0000 0000 0004"),
        (123_456_789, "0000000e 0003 0001 0000 0004 0001 0929 1a85"),  // 12345.6789
        (-5_000, "0000000a 0001 ffff 4000 0004 1388"),  // -0.5
        (1, "0000000a 0001 ffff 0000 0004 0001"),  // 0.0001
        (-1, "0000000a 0001 ffff 4000 0004 0001"),  // -0.0001
        (10_000, "0000000a 0001 0000 0000 0004 0001"),  // 1
        (100_000_000, "0000000a 0001 0001 0000 0004 0001"),  // 10000
        (1_000_000_000_001, "00000010 0004 0002 0000 0004 0001 0000 0000 0001"),  // 100000000.0001
        (999_999_999_999_999, "00000010 0004 0002 0000 0004 03e7 270f 270f 270f"),  // 99999999999.9999
        (-999_999_999_999_999, "00000010 0004 0002 4000 0004 03e7 270f 270f 270f"),
        (Int64.min, "00000012 0005 0003 4000 0004 039a 0d2c 0170 1565 16b0"),  // -922337203685477.5808
    ])
    func numericFromScaledInteger(scaled: Int64, expected: String) {
        #expect(field { $0.writeNumeric(scaled: scaled) } == hex(expected))
    }

    @Test func numericFromDoubleRoundsToFourPlaces() {
        #expect(field { $0.writeNumeric(21.5) } == field { $0.writeNumeric(scaled: 215_000) })
        #expect(field { $0.writeNumeric(0.1 + 0.2) } == field { $0.writeNumeric(scaled: 3_000) })
        #expect(field { $0.writeNumeric(-1.23456) } == field { $0.writeNumeric(scaled: -12_346) })
        #expect(field { $0.writeNumeric(.nan) } == hex("00000008 0000 0000 c000 0000"))
        #expect(field { $0.writeNumeric(.infinity) } == hex("00000008 0000 0000 d000 0000"))
        #expect(field { $0.writeNumeric(-1e300) } == hex("00000008 0000 0000 f000 0000"))
    }

    @Test func timestampIsMicrosecondsSince2000() {
        #expect(field { $0.writeTimestamp(postgresMicroseconds: 0) } == hex("00000008 0000000000000000"))
        #expect(field { $0.writeTimestamp(unixMicroseconds: 0) } == hex("00000008 fffca2fec4c82000"))
        // 2024-03-01 12:34:56.123456 UTC
        #expect(BinaryCopyEncoder.postgresMicroseconds(unixMicroseconds: 1_709_296_496_123_456) == 762_611_696_123_456)
        #expect(field { $0.writeTimestamp(unixMicroseconds: 1_709_296_496_123_456) } == hex("00000008 0002b5975f3fbe40"))
    }

    @Test func uuidFromHalvesBytesAndFoundation() {
        let expected = hex("00000010 0123456789abcdef fedcba9876543210")
        #expect(field { $0.writeUUID(high: 0x0123_4567_89ab_cdef, low: 0xfedc_ba98_7654_3210) } == expected)
        #expect(field { $0.writeUUID((0x0123_4567_89ab_cdef, 0xfedc_ba98_7654_3210)) } == expected)
        #expect(field { $0.writeUUID(bytes: Array(expected.dropFirst(4))) } == expected)
        let uuid = UUID(uuidString: "01234567-89AB-CDEF-FEDC-BA9876543210")!
        #expect(field { $0.writeUUID(uuid) } == expected)
    }

    @Test func textJSONBIntegersAndBool() {
        #expect(field { $0.writeText("Grüß") } == hex("00000006 4772c3bcc39f"))
        #expect(field { $0.writeText("") } == hex("00000000"))
        #expect(field { $0.writeJSONB("{}") } == hex("00000003 01 7b7d"))
        #expect(field { $0.writeInt32(-2) } == hex("00000004 fffffffe"))
        #expect(field { $0.writeInt64(1) } == hex("00000008 0000000000000001"))
        #expect(field { $0.writeInt16(258) } == hex("00000002 0102"))
        #expect(field { $0.writeBool(true) } == hex("00000001 01"))
        #expect(field { $0.writeBool(false) } == hex("00000001 00"))
        #expect(field { $0.writeFloat64(1.0) } == hex("00000008 3ff0000000000000"))
    }
}
