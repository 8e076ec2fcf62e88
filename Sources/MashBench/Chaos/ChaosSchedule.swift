/// What each simulated device of `mash-bench chaos` measures at a given instant, known in advance.
///
/// Every `period`, each device's temperature is "hot" for `hot` (its phase is staggered by its
/// index), far above the alert rule's threshold, and normal (about 20 °C) the rest of the time, far
/// below the rule's hysteresis band: so each hot window is exactly one alert, raised then resolved.
/// The hot value encodes the window (`85 + window / 4`), so an alert's `trigger_value` says which
/// window raised it and a missing or doubled alert can be named.
struct ChaosSchedule: Sendable {
    let devices: Int
    /// The run's start, epoch milliseconds: window 0 begins here.
    let startMillis: Int64
    let periodMillis: Int64
    let hotMillis: Int64

    init(devices: Int, startMillis: Int64, periodMillis: Int64 = 30_000, hotMillis: Int64 = 3_000) {
        self.devices = devices
        self.startMillis = startMillis
        self.periodMillis = periodMillis
        self.hotMillis = hotMillis
    }

    /// The alert rule the gateway runs: above 80 with hysteresis 2, raised at once, resolved automatically.
    static let rule = (name: "chaos-hot", sensor: "temperature", above: 80.0, hysteresis: 2.0)

    /// The hot window `device` is in at `millis`, or nil while it is normal.
    func hotWindow(device: Int, millis: Int64) -> Int? {
        let shifted = millis - startMillis + Int64(device) * periodMillis / Int64(max(devices, 1))
        guard shifted >= 0 else { return nil }
        let phase = shifted % periodMillis
        return phase >= periodMillis - hotMillis ? Int(shifted / periodMillis) : nil
    }

    /// The instants (epoch ms) of `device`'s hot `window`.
    func hotInterval(device: Int, window: Int) -> Range<Int64> {
        let begin = startMillis - Int64(device) * periodMillis / Int64(max(devices, 1)) + Int64(window) * periodMillis + periodMillis - hotMillis
        return begin..<(begin + hotMillis)
    }

    /// The temperature `device` reports at `millis`.
    func temperature(device: Int, millis: Int64) -> Double {
        if let window = hotWindow(device: device, millis: millis) { return Self.hotValue(window: window) }
        return 20 + Double(device % 5) + Double(millis % 100) / 100
    }

    /// The humidity `device` reports at `millis` (never part of a rule).
    func humidity(device: Int, millis: Int64) -> Double {
        40 + Double(device % 20) + Double(millis % 10) / 10
    }

    /// A window's hot value: above the rule, inside the temperature sensor's range (max 125) for 160 windows.
    static func hotValue(window: Int) -> Double { 85 + Double(window % 160) / 4 }

    /// The window an alert's `trigger_value` names.
    static func window(hotValue: Double) -> Int { Int(((hotValue - 85) * 4).rounded()) }
}
