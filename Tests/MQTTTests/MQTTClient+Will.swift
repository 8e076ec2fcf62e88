@_spi(Testing) import MQTT
import Testing
import TestSupport

/// "Killed" here means the TCP connection ends without DISCONNECT. The test cuts libmosquitto's
/// socket with shutdown(2) from outside the library (`dropConnectionForTesting`), which is
/// what the broker sees when a process dies or the network fails: a closed socket and no
/// DISCONNECT. It exercises our will option for real, in-process and deterministically.
@Suite("MQTTClient will message")
struct MQTTClientWillTests {
    @Test func willIsPublishedWhenTheConnectionDropsWithoutDisconnect() async throws {
        let broker = try await TestBroker.start()
        let (observer, inbox) = try await startClient(broker, id: "will-obs", cleanSession: true, subscribe: ["wills/#"])
        defer { observer.stop() }
        let will = MQTTClient.Will(topic: "wills/dev-1", payload: "offline", qos: .atLeastOnce, retain: false)
        let (device, _) = try await startClient(broker, id: "will-dev", will: will)
        defer { device.stop() }

        device.dropConnectionForTesting()
        let wills = try await inbox.waitForMessages(on: "wills/dev-1", count: 1)
        #expect(wills[0].payloadString == "offline")
    }

    @Test func cleanStopSendsTheFinalMessageAndNoWill() async throws {
        let broker = try await TestBroker.start()
        let (observer, inbox) = try await startClient(broker, id: "nowill-obs", cleanSession: true, subscribe: ["status/#"])
        defer { observer.stop() }
        let will = MQTTClient.Will(topic: "status/gw", payload: "will", qos: .atLeastOnce, retain: true)
        let (gateway, _) = try await startClient(broker, id: "nowill-gw", will: will)

        gateway.stop(finalMessage: MQTTOutgoingMessage(topic: "status/gw", payload: "offline", qos: .atLeastOnce, retain: true))
        gateway.stop()  // a second stop is harmless
        try await waitUntil("the broker to log the clean disconnect") {
            occurrences(of: "Client nowill-gw disconnected", in: broker.log()) >= 1
        }
        // Had the broker sent the will, it would have been queued before this marker.
        let (marker, _) = try await startClient(broker, id: "nowill-marker", cleanSession: true)
        defer { marker.stop() }
        try marker.publish(topic: "status/marker", payload: "end", qos: .atLeastOnce)
        try await inbox.waitForMessages(on: "status/marker", count: 1)

        #expect(inbox.received(on: "status/gw").map(\.payloadString) == ["offline"])
    }
}
