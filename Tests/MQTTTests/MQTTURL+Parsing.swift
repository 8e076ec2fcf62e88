import MQTT
import Testing

@Suite("MQTTURL parsing")
struct MQTTURLParsingTests {
    @Test func defaultPortsFollowTheScheme() throws {
        #expect(try MQTTURL(parsing: "mqtt://broker.local") == MQTTURL(useTLS: false, host: "broker.local", port: 1883))
        #expect(try MQTTURL(parsing: "mqtts://broker.local/") == MQTTURL(useTLS: true, host: "broker.local", port: 8883))
        #expect(try MQTTURL(parsing: "mqtt://127.0.0.1:11883").port == 11883)
    }

    @Test func credentialsArePercentDecodedAndMasked() throws {
        let url = try MQTTURL(parsing: "mqtt://gate%40way:p%3Ass@10.0.0.1:1884")
        #expect(url.username == "gate@way")
        #expect(url.password == "p:ss")
        #expect(url.host == "10.0.0.1")
        #expect(url.description == "mqtt://gate@way:***@10.0.0.1:1884")
        let userOnly = try MQTTURL(parsing: "mqtts://alice@host")
        #expect(userOnly.username == "alice" && userOnly.password == nil)
        // A password containing '@' (unescaped) still splits at the last '@'.
        #expect(try MQTTURL(parsing: "mqtt://u:a@b@host").password == "a@b")
    }

    @Test func ipv6HostsAreBracketed() throws {
        let url = try MQTTURL(parsing: "mqtt://[::1]:1884")
        #expect(url.host == "::1" && url.port == 1884)
        #expect(url.description == "mqtt://[::1]:1884")
        #expect(try MQTTURL(parsing: "mqtt://[fe80::1]").port == 1883)
    }

    @Test(arguments: [
        "http://host", "host:1883", "mqtt://", "mqtt://:1883", "mqtt://host:0", "mqtt://host:70000",
        "mqtt://host:abc", "mqtt://host/topic", "mqtt://host?x=1", "mqtt://[::1", "mqtt://@host", "mqtt://u:%zz@host",
    ])
    func malformedURLsAreRejected(_ text: String) {
        #expect(throws: MQTTError.self) { try MQTTURL(parsing: text) }
        do {
            _ = try MQTTURL(parsing: text)
        } catch {
            #expect(error.code == .invalidURL)
        }
    }

    @Test func errorsAndOptionsNeverShowThePassword() {
        do {
            _ = try MQTTURL(parsing: "mqtt://user:s3cret@host:99999")
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .invalidURL)
            #expect(!error.description.contains("s3cret"))
            #expect(error.description.contains("user:***@"))
        }
        let options = MQTTClient.Options(url: "mqtt://user:s3cret@host", clientID: "c")
        #expect(!options.description.contains("s3cret"))
        #expect(!String(reflecting: options).contains("s3cret"))
        var dumped = ""
        dump(options, to: &dumped)
        dump(try? MQTTURL(parsing: "mqtt://user:s3cret@host"), to: &dumped)
        #expect(!dumped.contains("s3cret"))
    }
}
