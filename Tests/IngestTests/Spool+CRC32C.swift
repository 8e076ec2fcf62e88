@testable import Ingest
import Testing

@Suite("CRC32C: vectors and slicing")
struct SpoolCRC32CTests {
    @Test func knownVectors() {
        // RFC 3720 (iSCSI) appendix B.4 and the classic check value.
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
        #expect(CRC32C.checksum((0..<32).reversed().map { UInt8($0) }) == 0x113F_DB5C)
        #expect(CRC32C.checksum([]) == 0)
    }

    @Test func slicingMatchesBytewiseAndChains() {
        var generator = SystemRandomNumberGenerator()
        for length in Array(0...40) + [255, 1000, 4097] {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let whole = CRC32C.checksum(bytes)
            #expect(whole == CRC32C.checksumBytewise(bytes), "length \(length)")
            let cut = length / 3
            #expect(CRC32C.checksum(Array(bytes[cut...]), continuing: CRC32C.checksum(Array(bytes[..<cut]))) == whole)
        }
    }
}
