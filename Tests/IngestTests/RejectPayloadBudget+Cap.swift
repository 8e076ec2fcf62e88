@testable import Ingest
import Testing

@Suite("RejectPayloadBudget: per-device reject payload bytes per hour")
struct RejectPayloadBudgetCapTests {
    static let hour: Int64 = 3_600_000_000
    static let t0: Int64 = 1_796_461_200_000_000  // 2026-12-05 09:00:00 UTC, on an hour boundary

    func admit(_ budget: inout RejectPayloadBudget, _ topic: String, _ bytes: Int, at micros: Int64 = t0) -> RejectPayloadBudget.Decision {
        var topic = topic
        return topic.withUTF8 { budget.admit(topic: UnsafeRawBufferPointer($0), bytes: bytes, receivedAtMicros: micros) }
    }

    @Test("stored whole until the budget, then omitted whole; each device has its own")
    func perDevice() {
        var budget = RejectPayloadBudget(bytesPerHour: 100)
        #expect(admit(&budget, "devices/a/telemetry", 60) == .store)
        #expect(admit(&budget, "devices/a/sensors/x", 40) == .store)
        #expect(admit(&budget, "devices/a/telemetry", 1) == .omit(bytes: 1))
        #expect(admit(&budget, "devices/b/telemetry", 100) == .store)
        #expect(admit(&budget, "devices/b/telemetry", 101) == .omit(bytes: 101))
        #expect(admit(&budget, "devices/a/telemetry", 0) == .store, "an empty payload costs nothing")
    }

    @Test("a payload larger than what is left is omitted, and a smaller one later still fits")
    func wholeOrNothing() {
        var budget = RejectPayloadBudget(bytesPerHour: 100)
        #expect(admit(&budget, "devices/a/telemetry", 70) == .store)
        #expect(admit(&budget, "devices/a/telemetry", 50) == .omit(bytes: 50))
        #expect(admit(&budget, "devices/a/telemetry", 30) == .store)
    }

    @Test("the next clock hour starts afresh, decided by receive time")
    func hourBoundary() {
        var budget = RejectPayloadBudget(bytesPerHour: 10)
        #expect(admit(&budget, "devices/a/telemetry", 10, at: Self.t0 + Self.hour - 1) == .store)
        #expect(admit(&budget, "devices/a/telemetry", 10, at: Self.t0 + Self.hour - 1) == .omit(bytes: 10))
        #expect(admit(&budget, "devices/a/telemetry", 10, at: Self.t0 + Self.hour) == .store)
    }

    @Test("budget 0 stores no payload at all")
    func zero() {
        var budget = RejectPayloadBudget(bytesPerHour: 0)
        #expect(admit(&budget, "devices/a/telemetry", 1) == .omit(bytes: 1))
    }

    @Test("beyond maxTrackedSenders, new senders share one budget (bounded memory under invented keys)")
    func overflow() {
        var budget = RejectPayloadBudget(bytesPerHour: 10, maxTrackedSenders: 2)
        #expect(admit(&budget, "devices/a/x", 10) == .store)
        #expect(admit(&budget, "devices/b/x", 10) == .store)
        #expect(admit(&budget, "devices/c/x", 6) == .store)
        #expect(admit(&budget, "devices/d/x", 6) == .omit(bytes: 6))
        #expect(admit(&budget, "devices/a/x", 1) == .omit(bytes: 1))
    }

    @Test("the sender is the topic's first two levels")
    func sender() {
        func sender(_ topic: String) -> String {
            var topic = topic
            return topic.withUTF8 { RejectPayloadBudget.sender(of: UnsafeRawBufferPointer($0)) }
        }
        #expect(sender("devices/sn-1/telemetry") == "devices/sn-1")
        #expect(sender("tele/plug/SENSOR") == "tele/plug")
        #expect(sender("devices/sn-1") == "devices/sn-1")
        #expect(sender("solo") == "solo")
    }
}
