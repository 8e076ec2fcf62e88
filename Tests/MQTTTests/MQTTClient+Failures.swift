import Foundation
import MQTT
import Testing
import TestSupport

@Suite("MQTTClient failures")
struct MQTTClientFailureTests {
    @Test func badURLIsAClearErrorAtCreation() {
        #expect {
            try MQTTClient(options: .init(url: "tcp://user:s3cret@host:1883", clientID: "x"), logger: quietLogger) { _ in }
        } throws: { error in
            let error = error as? MQTTError
            return error?.code == .invalidURL && error?.description.contains("s3cret") == false
        }
        #expect {
            try MQTTClient(options: .init(url: "mqtt://127.0.0.1", clientID: ""), logger: quietLogger) { _ in }
        } throws: { ($0 as? MQTTError)?.code == .invalidArgument }
    }

    @Test func unreachablePortReportsConnectionRefusedWithoutCrashing() async throws {
        let reserved = try HeldLoopbackPort()
        defer { reserved.close() }
        let port = reserved.port
        let recorder = Recorder()
        let client = try MQTTClient(
            options: .init(url: "mqtt://127.0.0.1:\(port)", clientID: "nobody-home", reconnectDelayMin: .seconds(1)),
            logger: quietLogger, onEvent: recorder.eventHandler, onMessage: recorder.messageHandler)
        try client.start()
        do {
            try await client.waitForConnection(timeout: .milliseconds(1500))
            Issue.record("connected to a port nobody listens on")
        } catch {
            #expect(error.code == .timeout)
            #expect(error.message.contains("Connection refused"), "\(error)")
        }
        #expect(client.lastError?.code == .system)
        #expect(!client.isConnected)
        // Publishing QoS 0 while disconnected fails cleanly; stop twice is harmless.
        #expect(throws: MQTTError.self) { try client.publish(topic: "t", payload: "x", qos: .atMostOnce) }
        client.stop()
        client.stop()
        #expect {
            try client.publish(topic: "t", payload: "x")
        } throws: { ($0 as? MQTTError)?.code == .invalidState }
        #expect {
            try client.start()
        } throws: { ($0 as? MQTTError)?.code == .invalidState }
    }

    @Test(arguments: [MQTTClient.ProtocolVersion.v311, .v5])
    func wrongCredentialsAreRefusedWithAClearReason(_ version: MQTTClient.ProtocolVersion) async throws {
        let dir = try Harness.makeDirectory("passwd")
        let passwordFile = "\(dir)/passwd"
        let made = try runCommand("/usr/bin/mosquitto_passwd", ["-b", "-c", passwordFile, "gateway", "right-pass"])
        #expect(made.status == 0, "\(made.output)")
        let broker = try await TestBroker.start(extraConfig: "allow_anonymous false\npassword_file \(passwordFile)")
        let host = "127.0.0.1:\(broker.port)"

        let (wrong, refused) = try await startClient(
            broker, id: "auth-wrong-\(version)", protocolVersion: version,
            url: "mqtt://gateway:wrong-s3cret@\(host)", waitConnected: false)
        try await waitUntil("a refused CONNACK") { !refused.refusals.isEmpty }
        let error = refused.refusals[0]
        #expect(error.code == .notAuthorized, "\(error)")
        #expect(error.message.lowercased().contains("not authori"), "\(error)")
        #expect(!error.description.contains("wrong-s3cret"))
        #expect(!wrong.isConnected)
        wrong.stop()

        let (right, accepted) = try await startClient(
            broker, id: "auth-right-\(version)", protocolVersion: version, url: "mqtt://gateway:right-pass@\(host)")
        #expect(accepted.connects.count == 1)
        right.stop()
    }
}
