import Administration
import Testing

@Suite("NewDevice validation")
struct NewDeviceValidationTests {
    @Test("a MAC in any accepted spelling is stored lowercase with colons")
    func macNormalised() throws {
        #expect(try NewDevice(serialNumber: "sn-1", macAddress: "AA:BB:CC:DD:EE:0F").macAddress == "aa:bb:cc:dd:ee:0f")
        #expect(try NewDevice(serialNumber: "sn-1", macAddress: "aabbccddee0f").macAddress == "aa:bb:cc:dd:ee:0f")
    }

    @Test("defaults: name is the key, type generic, no owner")
    func defaults() throws {
        let device = try NewDevice(serialNumber: "sn-1")
        #expect(device == (try NewDevice(serialNumber: "sn-1", name: "sn-1", deviceType: "generic")))
        #expect(device.ownerKey == nil && device.macAddress == nil)
    }

    @Test("malformed MACs are refused as usage errors naming the value", arguments: ["AA:BB:CC:DD:EE", "AA-BB-CC-DD-EE-FF", "aabbccddeeff0", "GG:BB:CC:DD:EE:FF", "AA:BBCC:DD:EE:FF:"])
    func badMAC(_ mac: String) {
        #expect {
            _ = try NewDevice(serialNumber: "sn-1", macAddress: mac)
        } throws: { error in
            let error = error as? DeviceAdminError
            return error?.kind == .invalidArgument && error?.message.contains(mac) == true
        }
    }

    @Test("keys that cannot be one MQTT topic level or broker user are refused", arguments: ["", "a/b", "a+", "#", "a b", "tab\there"])
    func badKey(_ key: String) {
        #expect(throws: DeviceAdminError.self) { _ = try NewDevice(serialNumber: key) }
    }
}
