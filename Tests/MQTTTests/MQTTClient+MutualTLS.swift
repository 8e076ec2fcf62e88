import MQTT
import Testing
import TestSupport

@Suite("MQTTClient with a client certificate (mutual TLS)")
struct MQTTClientMutualTLSTests {
    /// A broker with `require_certificate true`: our certificate and key get us in; without them the
    /// handshake fails with a TLS error and the client stays disconnected.
    @Test func aBrokerRequiringClientCertificatesAcceptsOursAndRefusesNone() async throws {
        let certs = try TestCertificates.make(clientName: "gw-mtls")
        let tlsPort = try freeLoopbackPort()
        let broker = try await TestBroker.start(extraConfig: certs.mosquittoListener(port: tlsPort))
        try await waitUntil("the TLS listener") { isListening(port: tlsPort) }

        let recorder = Recorder()
        let client = try MQTTClient(
            options: .init(url: "mqtts://127.0.0.1:\(tlsPort)", clientID: "mtls-client",
                           tls: .init(caFile: certs.ca, certFile: certs.clientCertificate, keyFile: certs.clientKey)),
            logger: quietLogger, onEvent: recorder.eventHandler, onMessage: recorder.messageHandler)
        defer { client.stop() }
        try client.subscribe("mtls/t")
        try client.start()
        try await client.waitForConnection()
        try await recorder.waitForSubscribed(1)
        try client.publish(topic: "mtls/t", payload: "signed in by certificate")
        #expect(try await recorder.waitForMessages(on: "mtls/t", count: 1)[0].payloadString == "signed in by certificate")

        let anonymous = try MQTTClient(
            options: .init(url: "mqtts://127.0.0.1:\(tlsPort)", clientID: "mtls-none", tls: .init(caFile: certs.ca)),
            logger: quietLogger) { _ in }
        defer { anonymous.stop() }
        do {
            try anonymous.start()
            try await waitUntil("the refusal to be recorded") { anonymous.lastError != nil }
        } catch let error as MQTTError {
            #expect(error.code == .tls || error.code == .connectionLost || error.code == .protocolError, "\(error)")
        }
        #expect(!anonymous.isConnected)
        _ = broker
    }
}
