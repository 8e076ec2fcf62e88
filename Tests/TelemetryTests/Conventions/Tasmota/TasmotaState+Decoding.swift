import Testing
@testable import Telemetry

@Suite struct TasmotaStateDecodingTests {
    func heartbeat(_ payload: String) -> Result<HeartbeatPayload, ReadingReject> {
        Array(payload.utf8).withUnsafeBytes { convention("tasmota").convention.decodeHeartbeat($0) }
    }

    @Test func uptimeAndSignal() throws {
        let state = #"{"Time":"2026-12-04T10:00:00","Uptime":"0T01:02:03","UptimeSec":3723,"Heap":25,"POWER":"ON","Wifi":{"AP":1,"SSId":"home","RSSI":78,"Signal":-61,"LinkCount":1}}"#
        #expect(try heartbeat(state).get() == HeartbeatPayload(uptimeSeconds: 3723, firmware: nil, rssi: -61))
    }

    @Test func missingFieldsAreAbsent() throws {
        #expect(try heartbeat(#"{"Wifi":{"RSSI":78}}"#).get() == HeartbeatPayload())
        #expect(try heartbeat("{}").get() == HeartbeatPayload())
    }

    @Test(arguments: ["", "Online", "{\"UptimeSec\":", "[1]"])
    func notAnObjectIsMalformed(payload: String) {
        guard case .failure(let reject) = heartbeat(payload) else { Issue.record("decoded"); return }
        #expect(reject.reason == .malformedPayload)
    }
}
