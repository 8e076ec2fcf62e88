import Testing
@testable import Telemetry

@Suite struct DeviceKeyNormalizationTests {
    @Test(arguments: [
        ("AA:BB:CC:DD:EE:FF", "aabbccddeeff"),
        ("aa:bb:cc:dd:ee:ff", "aabbccddeeff"),
        ("aabbccddeeff", "aabbccddeeff"),
        ("AABBCCDDEEFF", "aabbccddeeff"),
        ("0a:1B:2c:3D:4e:5F", "0a1b2c3d4e5f"),
        ("001122334455", "001122334455"),
    ])
    func normalizesMACs(key: String, expected: String) {
        #expect(DeviceKey.normalizedMAC(key) == expected)
        #expect(DeviceKey.normalizedMAC(key[...]) == expected)
    }

    @Test(arguments: [
        "", "AA:BB:CC:DD:EE", "AA:BB:CC:DD:EE:FF:00", "AABBCCDDEEF", "AABBCCDDEEFF0",
        "AA-BB-CC-DD-EE-FF", "AA:BB:CC:DD:EE:FG", "AABB:CCDD:EEFF", "AA:BBC:CD:DE:EF:F",
        "sensor-000001", "gggggggggggg", "AA:BB:CC:DD:EE:F:", "ÄA:BB:CC:DD:EE:FF",
    ])
    func rejectsNonMACs(key: String) {
        #expect(DeviceKey.normalizedMAC(key) == nil)
    }

    @Test func macsMatchAcrossForms() {
        let a = DeviceKey.normalizedMAC("AA:BB:CC:DD:EE:FF")
        let b = DeviceKey.normalizedMAC("aabbccddeeff")
        #expect(a != nil && a == b)
    }

    @Test(arguments: [
        ("123e4567-e89b-12d3-a456-426614174000", true),
        ("123E4567-E89B-12D3-A456-426614174000", true),
        ("00000000-0000-0000-0000-000000000000", true),
        ("123e4567e89b12d3a456426614174000", false),
        ("123e4567-e89b-12d3-a456-42661417400", false),
        ("123e4567-e89b-12d3-a456-4266141740000", false),
        ("123e4567-e89b-12d3-a456_426614174000", false),
        ("g23e4567-e89b-12d3-a456-426614174000", false),
        ("{123e4567-e89b-12d3-a456-426614174000}", false),
        ("", false),
    ])
    func detectsUUIDs(key: String, isUUID: Bool) {
        #expect(DeviceKey.isUUID(key) == isUUID)
        #expect((DeviceKey.normalizedUUID(key) != nil) == isUUID)
    }

    @Test func normalizesUUIDCase() {
        #expect(DeviceKey.normalizedUUID("123E4567-E89B-12D3-A456-426614174ABC") == "123e4567-e89b-12d3-a456-426614174abc")
    }
}
