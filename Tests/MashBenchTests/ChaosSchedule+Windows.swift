@testable import MashBench
import Testing

@Suite("ChaosSchedule: the alert rule's crossings, known in advance")
struct ChaosScheduleWindowsTests {
    let schedule = ChaosSchedule(devices: 10, startMillis: 1_000_000, periodMillis: 30_000, hotMillis: 3_000)

    @Test("each device is hot for 3 s of every 30 s, in one window per period, staggered by device")
    func hotShare() {
        for device in 0..<10 {
            var hot = 0
            var windows = Set<Int>()
            for millis in stride(from: Int64(1_000_000), to: 1_000_000 + 300_000, by: 10) {
                if let window = schedule.hotWindow(device: device, millis: millis) {
                    hot += 1
                    windows.insert(window)
                }
            }
            #expect(hot == 10 * 300, "device \(device): 10 periods × 3 s at 10 ms steps")
            #expect(windows.count >= 9 && windows.count <= 11)
        }
        let firstHot = (0..<10).map { device in
            stride(from: Int64(1_000_000), to: 1_030_000, by: 10).first { schedule.hotWindow(device: device, millis: $0) != nil }
        }
        #expect(Set(firstHot.compactMap { $0 }).count == 10, "no two devices cross at the same instant")
    }

    @Test("hot readings are above the rule, normal ones below its hysteresis band")
    func values() {
        let rule = ChaosSchedule.rule
        for device in 0..<10 {
            for millis in stride(from: Int64(1_000_000), to: 1_000_000 + 60_000, by: 7) {
                let value = schedule.temperature(device: device, millis: millis)
                if schedule.hotWindow(device: device, millis: millis) != nil {
                    #expect(value > rule.above && value <= 125)
                } else {
                    #expect(value < rule.above - rule.hysteresis)
                }
            }
        }
    }

    @Test("a trigger value names its window")
    func roundTrip() {
        for window in 0..<160 {
            #expect(ChaosSchedule.window(hotValue: ChaosSchedule.hotValue(window: window)) == window)
        }
    }
}
