import Testing
@testable import Telemetry

@Suite struct NativeConventionTopicTests {
    let native = convention("native")

    func classify(_ topic: String) -> DeviceTopic? {
        TopicLevels(topic[...]).flatMap { native.convention.classify($0, as: native.id) }
    }

    @Test func deviceTopicsAsDeviceTopicParsesThem() {
        for topic in ["devices/d/telemetry", "devices/d/sensors/t", "devices/d/heartbeat", "devices/d/status", "devices/d/commands/c/ack"] {
            #expect(classify(topic) == DeviceTopic(parsing: topic))
        }
    }

    @Test func othersAreNotNatives() {
        #expect(classify("devices/d/unknown") == nil)
        #expect(classify("operators/o/commands") == nil)  // operators belong to no convention
        #expect(classify("d/sensor/t/state") == nil)
    }
}
