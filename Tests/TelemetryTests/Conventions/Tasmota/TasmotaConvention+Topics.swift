import Testing
@testable import Telemetry

@Suite struct TasmotaConventionTopicTests {
    let tasmota = convention("tasmota")

    func classify(_ topic: String) -> DeviceTopic? {
        TopicLevels(topic[...]).flatMap { tasmota.convention.classify($0, as: tasmota.id) }
    }

    @Test func teleTopics() {
        #expect(classify("tele/boiler/SENSOR") == .conventionReadings(device: "boiler", item: "", convention: tasmota.id))
        #expect(classify("tele/boiler/STATE") == .conventionHeartbeat(device: "boiler", convention: tasmota.id))
        #expect(classify("tele/boiler/LWT") == .status(device: "boiler"))
    }

    @Test(arguments: ["tele/boiler/sensor", "tele/boiler/INFO1", "stat/boiler/RESULT", "cmnd/boiler/POWER", "tele/boiler", "tele/a/b/SENSOR"])
    func otherTopicsAreNotTasmotas(topic: String) {
        #expect(classify(topic) == nil)
    }
}
