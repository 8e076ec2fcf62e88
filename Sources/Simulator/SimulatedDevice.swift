/// One simulated ESP32 or Raspberry Pi: its identity, what it measures, and how it reports.
///
/// Values drift smoothly (a random walk inside a plausible band) so dashboards and alert rules
/// see realistic curves rather than noise.
struct SimulatedDevice {
    enum Kind: CaseIterable {
        case environment   // ESP32 + BME280 on battery
        case airQuality    // Raspberry Pi + SCD41/SGP40/PMS5003
        case powerMeter    // ESP32 + PZEM-004T

        var sensors: [(name: String, low: Double, high: Double, decimals: Int)] {
            switch self {
            case .environment: [("temperature", 18, 30, 2), ("humidity", 30, 70, 1), ("pressure", 990, 1030, 1), ("battery", 20, 100, 0)]
            case .airQuality: [("co2", 420, 1600, 0), ("tvoc", 20, 600, 0), ("pm2_5", 2, 60, 1), ("pm10", 5, 90, 1)]
            case .powerMeter: [("voltage", 225, 240, 1), ("current", 0.1, 12, 2), ("power", 20, 2500, 1), ("energy", 0, 50, 3)]
            }
        }

        var deviceType: String {
            switch self {
            case .environment: "esp32-env"
            case .airQuality: "rpi-air"
            case .powerMeter: "esp32-power"
            }
        }
    }

    let index: Int
    let serial: String
    let mac: String
    let kind: Kind
    /// The key this device uses in its topics: mostly the serial, some by MAC in the two spellings devices use.
    var topicKey: String
    var values: [Double]
    var uptimeSeconds: Int = 0

    init(index: Int, prefix: String, random: inout some RandomNumberGenerator) {
        self.index = index
        serial = "\(prefix)-\(String(index, radix: 10).leftPadded(to: 5))"
        let b = [(index >> 16) & 0xff, (index >> 8) & 0xff, index & 0xff].map { String($0, radix: 16).leftPadded(to: 2) }
        mac = "02:5a:00:\(b[0]):\(b[1]):\(b[2])"
        kind = Kind.allCases[index % Kind.allCases.count]
        switch index % 10 {
        case 7: topicKey = mac.replacingOccurrences(of: ":", with: "").uppercased()
        case 9: topicKey = mac
        default: topicKey = serial
        }
        values = kind.sensors.map { Double.random(in: $0.low...$0.high, using: &random) }
    }

    /// Moves each value a small step, staying inside its band.
    mutating func step(random: inout some RandomNumberGenerator) {
        for (i, sensor) in kind.sensors.enumerated() {
            let span = sensor.high - sensor.low
            values[i] = min(sensor.high, max(sensor.low, values[i] + Double.random(in: -0.02...0.02, using: &random) * span))
        }
    }

    func formatted(_ i: Int) -> String {
        let sensor = kind.sensors[i]
        let scale = pow10(sensor.decimals)
        let rounded = (values[i] * scale).rounded() / scale
        return sensor.decimals == 0 ? String(Int(rounded)) : String(rounded)
    }
}

private func pow10(_ n: Int) -> Double { (0..<n).reduce(1.0) { acc, _ in acc * 10 } }

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
