@testable import DeviceRegistry
import Foundation
import Testing

@Suite("PackedUUID: parsing and printing")
struct PackedUUIDParsingTests {
    @Test func roundTripsAndAgreesWithFoundation() {
        for _ in 0..<100 {
            let uuid = UUID()
            let packed = PackedUUID(uuid.uuidString)
            #expect(packed?.string == uuid.uuidString.lowercased())
            #expect(packed?.bytes == withUnsafeBytes(of: uuid.uuid) { Array($0) })
            #expect(PackedUUID(uuid.uuidString.lowercased()) == packed)
        }
        let fixed = PackedUUID("00112233-4455-6677-8899-AABBCCDDEEFF")
        #expect(fixed?.high == 0x0011_2233_4455_6677)
        #expect(fixed?.low == 0x8899_aabb_ccdd_eeff)
    }

    @Test(arguments: [
        "", "00112233-4455-6677-8899-AABBCCDDEEF", "00112233-4455-6677-8899-AABBCCDDEEFFF",
        "00112233x4455-6677-8899-AABBCCDDEEFF", "0011223g-4455-6677-8899-AABBCCDDEEFF",
        "001122334455667788990AABBCCDDEEFF000", "{0112233-4455-6677-8899-AABBCCDDEEF}",
    ])
    func rejectsOtherShapes(_ text: String) {
        #expect(PackedUUID(text) == nil)
    }
}
