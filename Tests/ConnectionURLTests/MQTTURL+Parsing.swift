import ConnectionURL
import Testing

@Suite("MQTTURL parsing")
struct MQTTURLParsingTests {
    @Test(arguments: [
        ("mqtt://127.0.0.1:1883", MQTTURL(useTLS: false, host: "127.0.0.1", port: 1883)),
        ("mqtt://broker", MQTTURL(useTLS: false, host: "broker", port: 1883)),
        ("mqtts://broker", MQTTURL(useTLS: true, host: "broker", port: 8883)),
        ("mqtts://broker.local/", MQTTURL(useTLS: true, host: "broker.local", port: 8883)),
        ("MQTT://broker/", MQTTURL(useTLS: false, host: "broker", port: 1883)),
        ("mqtt://127.0.0.1:11883", MQTTURL(useTLS: false, host: "127.0.0.1", port: 11883)),
        ("mqtt://gw:p%40ss%3Aw@h:1884", MQTTURL(useTLS: false, host: "h", port: 1884, username: "gw", password: "p@ss:w")),
        ("mqtt://gate%40way:p%3Ass@10.0.0.1:1884",
         MQTTURL(useTLS: false, host: "10.0.0.1", port: 1884, username: "gate@way", password: "p:ss")),
        ("mqtts://alice@host", MQTTURL(useTLS: true, host: "host", username: "alice")),
        ("mqtt://@host", MQTTURL(useTLS: false, host: "host")),
        ("mqtt://u:@host", MQTTURL(useTLS: false, host: "host", username: "u", password: "")),
        // An unescaped '@' in the password: the userinfo ends at the last '@'.
        ("mqtt://u:p@ss@h", MQTTURL(useTLS: false, host: "h", username: "u", password: "p@ss")),
        ("mqtt://[::1]:1999", MQTTURL(useTLS: false, host: "::1", port: 1999)),
        ("mqtt://[fe80::1]", MQTTURL(useTLS: false, host: "fe80::1", port: 1883)),
    ])
    func acceptedForms(text: String, expected: MQTTURL) throws {
        #expect(try MQTTURL(parsing: text) == expected)
    }

    @Test(arguments: [
        ("http://host", "scheme \"http\" is not allowed in \"http://host\"; use mqtt or mqtts"),
        ("host:1883", "\"host:1883\" is not a URL; use mqtt://host:1883 or mqtts://host:8883"),
        ("localhost", "\"localhost\" is not a URL; use mqtt://host:1883 or mqtts://host:8883"),
        ("mqtt://", "\"mqtt://\" has no host; use mqtt://host:1883 or mqtts://host:8883"),
        ("mqtt://:1883", "\"mqtt://:1883\" has no host; use mqtt://host:1883 or mqtts://host:8883"),
        ("mqtt://[::1", "\"mqtt://[::1\" has no host; use mqtt://host:1883 or mqtts://host:8883"),
        ("mqtt://host:0", "\"mqtt://host:0\" has an invalid port; use a number in 1...65535"),
        ("mqtt://host:70000", "\"mqtt://host:70000\" has an invalid port; use a number in 1...65535"),
        ("mqtt://host:abc", "\"mqtt://host:abc\" has an invalid port; use a number in 1...65535"),
        ("mqtt://host/topic", "\"mqtt://host/topic\" has a path or query, which MQTT does not use; use mqtt://host:1883 or mqtts://host:8883"),
        ("mqtt://host?x=1", "\"mqtt://host?x=1\" has a path or query, which MQTT does not use; use mqtt://host:1883 or mqtts://host:8883"),
        ("mqtt://host#top", "\"mqtt://host#top\" has a path or query, which MQTT does not use; use mqtt://host:1883 or mqtts://host:8883"),
        ("mqtt://u:%zz@host",
         "\"mqtt://u:****@host\" has a malformed %-escape in the user name or password; write reserved characters as %XX"),
        ("mqtt://:s3cret@host", "\"mqtt://:****@host\" has a password but no user name; use mqtt://host:1883 or mqtts://host:8883"),
        ("mqtt://user:s3cret@host:99999", "\"mqtt://user:****@host:99999\" has an invalid port; use a number in 1...65535"),
    ])
    func rejectedForms(text: String, message: String) {
        #expect(throws: InvalidURL(message: message)) { try MQTTURL(parsing: text) }
    }

    @Test func descriptionAndDumpMaskThePassword() throws {
        let url = try MQTTURL(parsing: "mqtt://gate%40way:p%3Ass@10.0.0.1:1884")
        #expect(url.description == "mqtt://gate@way:****@10.0.0.1:1884")
        #expect(try MQTTURL(parsing: "mqtt://[::1]:1884").description == "mqtt://[::1]:1884")
        var dumped = ""
        dump(try MQTTURL(parsing: "mqtt://user:s3cret@host"), to: &dumped)
        #expect(!dumped.contains("s3cret"))
    }
}
