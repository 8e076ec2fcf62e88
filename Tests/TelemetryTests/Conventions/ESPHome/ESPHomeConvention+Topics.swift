import Testing
@testable import Telemetry

@Suite struct ESPHomeConventionTopicTests {
    let esphome = convention("esphome")

    func classify(_ topic: String) -> DeviceTopic? {
        TopicLevels(topic[...]).flatMap { esphome.convention.classify($0, as: esphome.id) }
    }

    @Test func stateTopicsAreReadings() {
        #expect(classify("livingroom/sensor/living_room_temperature/state")
            == .conventionReadings(device: "livingroom", item: "living_room_temperature", convention: esphome.id))
        #expect(classify("livingroom/binary_sensor/motion/state")
            == .conventionReadings(device: "livingroom", item: "motion", convention: esphome.id))
    }

    @Test func statusIsPresence() {
        #expect(classify("livingroom/status") == .status(device: "livingroom"))
    }

    @Test(arguments: [
        "livingroom/sensor/temp", "livingroom/sensor/temp/command", "livingroom/switch/relay/state",
        "livingroom/text_sensor/ip/state", "livingroom/debug", "livingroom/sensor//state", "a/b/status",
    ])
    func otherTopicsAreNotESPHomes(topic: String) {
        #expect(classify(topic) == nil)
    }
}
