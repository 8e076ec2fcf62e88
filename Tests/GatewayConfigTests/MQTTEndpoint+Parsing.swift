import Testing
@testable import GatewayConfig

@Suite struct MQTTEndpointTests {
    @Test(arguments: [
        ("mqtt://127.0.0.1:1883", MQTTEndpoint(scheme: .mqtt, host: "127.0.0.1", port: 1883)),
        ("mqtt://broker", MQTTEndpoint(scheme: .mqtt, host: "broker", port: 1883)),
        ("mqtts://broker", MQTTEndpoint(scheme: .mqtts, host: "broker", port: 8883)),
        ("MQTT://broker/", MQTTEndpoint(scheme: .mqtt, host: "broker", port: 1883)),
        ("mqtt://gw:p%40ss%3Aw@h:1884", MQTTEndpoint(scheme: .mqtt, host: "h", port: 1884, username: "gw", password: "p@ss:w")),
        ("mqtt://gw@h", MQTTEndpoint(scheme: .mqtt, host: "h", username: "gw")),
        ("mqtt://[::1]:1999", MQTTEndpoint(scheme: .mqtt, host: "::1", port: 1999)),
        ("mqtt://u:p@ss@h", MQTTEndpoint(scheme: .mqtt, host: "h", username: "u", password: "p@ss")),
    ])
    func validURLsParse(url: String, expected: MQTTEndpoint) throws {
        #expect(try MQTTEndpoint(url: url) == expected)
    }

    @Test func invalidURLThrowsUnderTheGivenKey() {
        #expect(throws: ConfigurationError.self) { try MQTTEndpoint(url: "tcp://h") }
        do {
            _ = try MQTTEndpoint(url: "tcp://h", key: "simulate.url")
        } catch {
            #expect(error.problems.map(\.key) == ["simulate.url"])
        }
    }

    @Test(arguments: [
        ("127.0.0.1:9108", ListenAddress(host: "127.0.0.1", port: 9108)),
        (":9108", ListenAddress(host: "0.0.0.0", port: 9108)),
        ("[::1]:0", ListenAddress(host: "::1", port: 0)),
    ])
    func listenAddressesParse(text: String, expected: ListenAddress) throws {
        #expect(try HTTPSettings(listen: text).listenAddress() == expected)
    }
}
