import Testing
@testable import Telemetry

@Suite struct DeviceTopicParsingTests {
    @Test(arguments: [
        ("devices/abc/telemetry", DeviceTopic.telemetry(device: "abc")),
        ("devices/AA:BB:CC:DD:EE:FF/telemetry", .telemetry(device: "AA:BB:CC:DD:EE:FF")),
        ("devices/abc/sensors/temperature", .sensor(device: "abc", sensor: "temperature")),
        ("devices/abc/heartbeat", .heartbeat(device: "abc")),
        ("devices/abc/status", .status(device: "abc")),
        ("devices/abc/commands/42/ack", .commandAck(device: "abc", commandID: "42")),
        ("devices/abc/commands/42/result", .commandResult(device: "abc", commandID: "42")),
        ("operators/ops@example.com/commands", .operatorCommands(operator: "ops@example.com")),
        ("operators/bob/alerts/7/ack", .alertAck(operator: "bob", alertID: "7")),
        ("operators/bob/alerts/7/resolve", .alertResolve(operator: "bob", alertID: "7")),
        ("devices/dév-ü/telemetry", .telemetry(device: "dév-ü")),
        // Everything else is unknown.
        ("devices/abc", .unknown),
        ("devices//telemetry", .unknown),
        ("devices/abc/telemetry/", .unknown),
        ("/devices/abc/telemetry", .unknown),
        ("devices/abc/telemetry/extra", .unknown),
        ("devices/abc/Telemetry", .unknown),
        ("Devices/abc/telemetry", .unknown),
        ("devices/abc/sensors", .unknown),
        ("devices/abc/sensors/", .unknown),
        ("devices/abc/sensors/t/x", .unknown),
        ("devices/abc/commands/42", .unknown),
        ("devices/abc/commands/42/nack", .unknown),
        ("devices/abc/commands//ack", .unknown),
        ("devices/abc/commands/42/ack/x", .unknown),
        ("operators/bob/responses", .unknown),
        ("operators/bob/alerts/7", .unknown),
        ("operators/bob/alerts/7/close", .unknown),
        ("operators//commands", .unknown),
        ("alerts/abc", .unknown),
        ("gateway/gw1/status", .unknown),
        ("", .unknown),
        ("/", .unknown),
        ("devices/abc/status/a/b/c/d", .unknown),
    ])
    func classifies(topic: String, expected: DeviceTopic) {
        #expect(DeviceTopic(parsing: topic) == expected)
    }

    @Test func partsShareTheTopicStorage() {
        let topic = "devices/a-long-device-serial-0001/sensors/temperature"
        guard case .sensor(let device, let sensor) = DeviceTopic(parsing: topic) else {
            Issue.record("not a sensor topic"); return
        }
        #expect(device == "a-long-device-serial-0001")
        #expect(sensor == "temperature")
        #expect(device.base == topic)  // a slice, not a copy
        #expect(DeviceTopic(parsing: topic).device == "a-long-device-serial-0001")
        #expect(DeviceTopic(parsing: "operators/x/commands").device == nil)
    }

    @Test func parsesASubstring() {
        let full = "$share/g/devices/d1/heartbeat"
        let rest = full.dropFirst("$share/g/".count)
        #expect(DeviceTopic(parsing: rest) == .heartbeat(device: "d1"))
    }
}
