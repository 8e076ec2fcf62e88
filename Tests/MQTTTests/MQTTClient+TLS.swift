import MQTT
import Testing
import TestSupport

@Suite("MQTTClient over TLS")
struct MQTTClientTLSTests {
    /// A throwaway CA and a server certificate for 127.0.0.1, made with the openssl tool.
    private func makeCertificates() throws -> (ca: String, cert: String, key: String) {
        let dir = try Harness.makeDirectory("tls")
        try "subjectAltName=IP:127.0.0.1\n".write(toFile: "\(dir)/san.ext", atomically: true, encoding: .utf8)
        let steps: [[String]] = [
            ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=mash-test-ca",
             "-keyout", "\(dir)/ca.key", "-out", "\(dir)/ca.crt"],
            ["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
             "-keyout", "\(dir)/server.key", "-out", "\(dir)/server.csr"],
            ["x509", "-req", "-in", "\(dir)/server.csr", "-CA", "\(dir)/ca.crt", "-CAkey", "\(dir)/ca.key",
             "-CAcreateserial", "-days", "1", "-out", "\(dir)/server.crt", "-extfile", "\(dir)/san.ext"],
        ]
        for step in steps {
            let result = try runCommand("/usr/bin/openssl", step)
            guard result.status == 0 else { throw TestSupportError("openssl \(step[0]) failed: \(result.output)") }
        }
        return ("\(dir)/ca.crt", "\(dir)/server.crt", "\(dir)/server.key")
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
