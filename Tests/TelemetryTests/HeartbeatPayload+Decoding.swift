import Testing
@testable import Telemetry

@Suite struct HeartbeatPayloadDecodingTests {
    static let validCases: [(String, HeartbeatPayload)] = [
        ("", HeartbeatPayload()),
        (" \n", HeartbeatPayload()),
        ("{}", HeartbeatPayload()),
        (#"{"uptime_s":1234,"firmware":"1.4.2","rssi":-61}"#, HeartbeatPayload(uptimeSeconds: 1234, firmware: "1.4.2", rssi: -61)),
        (#"{"uptime_s":12.6,"extra":{"nested":[1,2,{"x":null}]},"rssi":-60.5}"#, HeartbeatPayload(uptimeSeconds: 13, rssi: -61)),
        (#"{"firmware":"v2\u002e0","uptime_s":null}"#, HeartbeatPayload(firmware: "v2.0")),
        (#"{"FIRMWARE":5}"#, HeartbeatPayload()),  // unknown (case-sensitive) fields are ignored
    ]

    @Test(arguments: validCases)
    func decodes(payload: String, expected: HeartbeatPayload) throws {
        #expect(try HeartbeatPayload.decode(Array(payload.utf8)).get() == expected)
    }

    static let malformed: [(String, String)] = [
        ("online", "heartbeat is not a JSON object"),
        ("[1]", "heartbeat is not a JSON object"),
        (#"{"uptime_s":"long"}"#, "uptime_s is not a number"),
        (#"{"uptime_s":-1}"#, "uptime_s is negative or too large"),
        (#"{"rssi":true}"#, "rssi is not a number"),
        (#"{"rssi":-5000}"#, "rssi is out of range"),
        (#"{"firmware":1.4}"#, "firmware is not a string"),
        (#"{"firmware":""}"#, "firmware is empty or longer than 50 characters"),
        (#"{"firmware":"\#(String(repeating: "x", count: 51))"}"#, "firmware is empty or longer than 50 characters"),
        (#"{"uptime_s":1"#, "invalid JSON at byte 13: expected ',' or '}'"),
        (#"{"uptime_s":1} x"#, "invalid JSON at byte 15: trailing characters after the JSON value"),
    ]

    @Test(arguments: malformed)
    func reportsMalformed(payload: String, detail: String) {
        switch HeartbeatPayload.decode(Array(payload.utf8)) {
        case .success(let h): Issue.record("decoded \(h)")
        case .failure(let reject):
            #expect(reject.reason == .malformedPayload)
            #expect(reject.detail == detail)
        }
    }

    @Test func fiftyCharacterFirmwareIsAccepted() throws {
        let fw = String(repeating: "é", count: 50)  // characters, not bytes, as VARCHAR(50) counts
        #expect(try HeartbeatPayload.decode(Array(#"{"firmware":"\#(fw)"}"#.utf8)).get().firmware == fw)
    }
}
