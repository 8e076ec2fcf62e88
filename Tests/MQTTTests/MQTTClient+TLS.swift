import MQTT
import Testing
import TestSupport

@Suite("MQTTClient over TLS")
struct MQTTClientTLSTests {
    private func makeCertificates() throws -> (ca: String, cert: String, key: String) {
        let made = try TestCertificates.make()
        return (made.ca, made.serverCertificate, made.serverKey)
    }

    @Test func roundTripOverTLSWithAPrivateCA() async throws {
        let certs = try makeCertificates()
        let tlsPort = try freeLoopbackPort()
        let broker = try await TestBroker.start(extraConfig: """
            listener \(tlsPort) 127.0.0.1
            cafile \(certs.ca)
            certfile \(certs.cert)
            keyfile \(certs.key)
            """)
        try await waitUntil("the TLS listener") { isListening(port: tlsPort) }

        let recorder = Recorder()
        let options = MQTTClient.Options(
            url: "mqtts://127.0.0.1:\(tlsPort)", clientID: "tls-client",
            tls: .init(caFile: certs.ca))
        let client = try MQTTClient(options: options, logger: quietLogger, onEvent: recorder.eventHandler, onMessage: recorder.messageHandler)
        defer { client.stop() }
        try client.subscribe("tls/t")
        try client.start()
        try await client.waitForConnection()
        try await recorder.waitForSubscribed(1)
        try client.publish(topic: "tls/t", payload: "secret-free payload")
        let messages = try await recorder.waitForMessages(on: "tls/t", count: 1)
        #expect(messages[0].payloadString == "secret-free payload")
        #expect(broker.log().contains("tls-client"))
    }

    @Test func anUntrustedBrokerIsNotConnected() async throws {
        let certs = try makeCertificates()
        let other = try makeCertificates()  // a CA that did not sign the broker's certificate
        let tlsPort = try freeLoopbackPort()
        let broker = try await TestBroker.start(extraConfig: """
            listener \(tlsPort) 127.0.0.1
            cafile \(certs.ca)
            certfile \(certs.cert)
            keyfile \(certs.key)
            """)
        _ = broker
        try await waitUntil("the TLS listener") { isListening(port: tlsPort) }
        let client = try MQTTClient(
            options: .init(url: "mqtts://127.0.0.1:\(tlsPort)", clientID: "tls-untrusted", tls: .init(caFile: other.ca)),
            logger: quietLogger) { _ in }
        defer { client.stop() }
        // The handshake fails inside start() or, a moment later, on the loop thread (which
        // libmosquitto then ends); either way the cause is a TLS error.
        do {
            try client.start()
            try await waitUntil("the TLS failure to be recorded") { client.lastError != nil }
            #expect(client.lastError?.code == .tls, "\(String(describing: client.lastError))")
            #expect(client.lastError?.message.contains("certificate verify failed") == true)
        } catch let error as MQTTError {
            #expect(error.code == .tls, "\(error)")
        }
        #expect(!client.isConnected)
    }

    @Test func tlsFilesWithAPlainURLAreRejected() {
        #expect {
            try MQTTClient(options: .init(url: "mqtt://127.0.0.1", clientID: "x", tls: .init(caFile: "/tmp/ca.crt")), logger: quietLogger) { _ in }
        } throws: { ($0 as? MQTTError)?.code == .invalidArgument }
    }
}
