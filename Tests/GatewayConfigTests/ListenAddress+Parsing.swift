import Testing
@testable import GatewayConfig

@Suite struct ListenAddressTests {
    @Test(arguments: [
        ("127.0.0.1:9108", ListenAddress(host: "127.0.0.1", port: 9108)),
        (":9108", ListenAddress(host: "0.0.0.0", port: 9108)),
        ("[::1]:0", ListenAddress(host: "::1", port: 0)),
    ])
    func listenAddressesParse(text: String, expected: ListenAddress) throws {
        #expect(try HTTPSettings(listen: text).listenAddress() == expected)
    }

    @Test func anInvalidMQTTURLIsReportedUnderItsKey() {
        #expect(throws: ConfigurationError.self) { try MQTTSettings(url: "tcp://h").endpoint() }
        do {
            _ = try MQTTSettings(url: "tcp://h").endpoint()
        } catch {
            #expect(error.problems.map(\.key) == ["mqtt.url"])
        }
    }
}
