import Testing
@testable import Telemetry

@Suite struct DeviceConventionsRegistryTests {
    @Test func namesAreUniqueAndNativeIsTheDefault() {
        #expect(DeviceConventions.names == ["native", "esphome", "tasmota"])
        #expect(Set(DeviceConventions.names).count == DeviceConventions.all.count)
        #expect(DeviceConventions.defaultNames == ["native"])
    }

    @Test func onlyEnabledConventionsClassify() {
        let native = DeviceConventions.Enabled(names: ["native"])
        #expect(native.classify("devices/d1/telemetry") == .telemetry(device: "d1"))
        #expect(native.classify("d1/sensor/temp/state") == .unknown)
        #expect(native.classify("tele/d1/SENSOR") == .unknown)
        let foreign = DeviceConventions.Enabled(names: ["esphome", "tasmota"])
        #expect(foreign.classify("devices/d1/telemetry") == .unknown)
        #expect(foreign.classify("d1/sensor/temp/state") == .conventionReadings(device: "d1", item: "temp", convention: convention("esphome").id))
        #expect(foreign.classify("tele/d1/LWT") == .status(device: "d1"))
    }

    @Test func operatorTopicsAreAlwaysClassified() {
        let foreign = DeviceConventions.Enabled(names: ["tasmota"])
        #expect(foreign.classify("operators/admin@x/commands") == .operatorCommands(operator: "admin@x"))
        #expect(foreign.classify("operators/o/alerts/a1/ack") == .alertAck(operator: "o", alertID: "a1"))
    }

    @Test func subscriptionsFollowTheEnabledConventions() {
        #expect(DeviceConventions.Enabled(names: ["native"]).subscriptions.map(\.filter) == [
            "devices/+/telemetry", "devices/+/sensors/+", "devices/+/heartbeat", "devices/+/status",
            "devices/+/commands/+/ack", "devices/+/commands/+/result",
        ])
        let all = DeviceConventions.Enabled.everything.subscriptions
        #expect(all.filter(\.everyInstance).map(\.filter) == [
            "devices/+/heartbeat", "devices/+/status", "+/status", "tele/+/STATE", "tele/+/LWT",
        ])
        #expect(all.contains(ConventionSubscription("+/sensor/+/state")))
        #expect(all.contains(ConventionSubscription("tele/+/SENSOR")))
        #expect(DeviceConventions.Enabled(names: ["tasmota"]).subscriptions.map(\.filter) == ["tele/+/SENSOR", "tele/+/STATE", "tele/+/LWT"])
        #expect(DeviceConventions.Enabled(names: []).subscriptions.isEmpty)
    }

    @Test func topicLevelsRefuseEmptyAndTooManyLevels() {
        #expect(TopicLevels("a/b/c"[...])?.count == 3)
        #expect(TopicLevels("a/b/c"[...])?[1] == "b")
        #expect(TopicLevels("a//c"[...]) == nil)
        #expect(TopicLevels("/a"[...]) == nil)
        #expect(TopicLevels("a/b/c/d/e/f"[...]) == nil)
        #expect(TopicLevels(""[...]) == nil)
    }
}
