import MQTT
import Testing

@Suite("MQTTClient URL")
struct MQTTClientURLTests {
    @Test func invalidURLIsAnMQTTErrorWithoutThePassword() {
        do {
            _ = try MQTTClient(options: .init(url: "mqtt://user:s3cret@host:99999", clientID: "c")) { _ in }
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .invalidURL)
            #expect(!error.description.contains("s3cret"))
            #expect(error.description.contains("user:****@host"))
        }
    }

    @Test func optionsNeverShowThePassword() {
        let options = MQTTClient.Options(url: "mqtt://user:s3cret@host", clientID: "c")
        #expect(!options.description.contains("s3cret"))
        #expect(!String(reflecting: options).contains("s3cret"))
        var dumped = ""
        dump(options, to: &dumped)
        #expect(!dumped.contains("s3cret"))
        // Unparsable URLs are masked too.
        #expect(!MQTTClient.Options(url: "mqtt://user:s3cret@host/x", clientID: "c").description.contains("s3cret"))
    }
}
