/// The default rows `mash-gateway migrate --seed` loads: what a fresh ESP32 / Raspberry Pi fleet needs.
///
/// Ranges are the physical extent a common sensor can report, not comfortable limits: a reading
/// outside them is stored with quality `bad`, so they must never flag a real measurement.
/// Accuracy is a typical datasheet figure in the sensor's unit (nil where it means nothing).
public enum DefaultData {
    /// A `sensor_types` row.
    public struct SensorType: Sendable, Hashable {
        public let name: String
        public let unit: String
        public let minValue: String
        public let maxValue: String
        public let accuracy: String?
        public let description: String
        /// nil: never calibrated (digital counters, switches, radio levels).
        public let calibrationIntervalDays: Int?
    }

    /// A `product_categories` row.
    public struct ProductCategory: Sendable, Hashable {
        public let name: String
        public let slug: String
        public let description: String
        public let sortOrder: Int
    }

    /// The local administrator, so an operator can command devices before any identity provider is wired.
    public static let adminClerkUserID = "local-admin"
    public static let adminEmail = "admin@localhost"

    private static func type(
        _ name: String, _ unit: String, _ min: String, _ max: String, _ accuracy: String?,
        _ description: String, calibrate days: Int? = 365
    ) -> SensorType {
        SensorType(name: name, unit: unit, minValue: min, maxValue: max, accuracy: accuracy,
                   description: description, calibrationIntervalDays: days)
    }

    public static let sensorTypes: [SensorType] = [
        type("temperature", "°C", "-40", "125", "0.5", "Air or surface temperature (DS18B20, BME280, SHT3x, DHT22)."),
        type("humidity", "%", "0", "100", "3", "Relative humidity (BME280, SHT3x, DHT22)."),
        type("pressure", "hPa", "300", "1100", "1", "Barometric pressure (BMP280, BME280)."),
        type("co2", "ppm", "0", "40000", "30", "Carbon dioxide concentration (SCD30, SCD4x, MH-Z19).", calibrate: 180),
        type("tvoc", "ppb", "0", "60000", "15", "Total volatile organic compounds (SGP30, CCS811).", calibrate: 180),
        type("pm1_0", "µg/m³", "0", "1000", "10", "Particulate matter up to 1.0 µm (PMS5003, SPS30)."),
        type("pm2_5", "µg/m³", "0", "1000", "10", "Particulate matter up to 2.5 µm (PMS5003, SPS30)."),
        type("pm10", "µg/m³", "0", "1000", "10", "Particulate matter up to 10 µm (PMS5003, SPS30)."),
        type("illuminance", "lx", "0", "200000", "1", "Ambient light (BH1750, TSL2591, VEML7700)."),
        type("uv_index", "UVI", "0", "20", "1", "Ultraviolet index (VEML6075, LTR390)."),
        type("sound_level", "dB", "0", "140", "2", "Sound pressure level (I2S MEMS microphones)."),
        type("voltage", "V", "0", "1000", "0.01", "Supply, battery or mains voltage (INA219, ADS1115, PZEM-004T)."),
        type("current", "A", "-100", "100", "0.01", "Current; negative when a battery discharges (INA219, ACS712, PZEM-004T)."),
        type("power", "W", "-100000", "100000", "0.1", "Active power; negative when exporting (PZEM-004T, INA219)."),
        type("energy", "kWh", "0", "10000000", "0.001", "Cumulative energy counter (PZEM-004T, pulse meters)."),
        type("power_factor", "", "0", "1", "0.01", "Power factor, dimensionless (PZEM-004T)."),
        type("frequency", "Hz", "0", "1000", "0.1", "Mains or signal frequency (PZEM-004T)."),
        type("battery", "%", "0", "100", "1", "Battery state of charge.", calibrate: nil),
        type("rssi", "dBm", "-120", "0", "1", "Wi-Fi or radio received signal strength.", calibrate: nil),
        type("soil_moisture", "%", "0", "100", "3", "Volumetric soil moisture (capacitive probes)."),
        type("water_level", "cm", "0", "1000", "1", "Liquid level in a tank or well (ultrasonic, pressure probes)."),
        type("distance", "cm", "0", "1200", "1", "Distance to an object (HC-SR04, VL53L0X, JSN-SR04T)."),
        type("weight", "kg", "0", "1000", "0.01", "Load cell weight (HX711)."),
        type("wind_speed", "m/s", "0", "75", "0.5", "Wind speed (anemometers)."),
        type("rainfall", "mm", "0", "1000", "0.2", "Rain accumulated since the last report (tipping-bucket gauges)."),
        type("motion", "", "0", "1", nil, "Motion detected: 1, clear: 0 (PIR, mmWave).", calibrate: nil),
        type("door", "", "0", "1", nil, "Door or window open: 1, closed: 0 (reed switches).", calibrate: nil),
        type("water_leak", "", "0", "1", nil, "Water detected: 1, dry: 0 (leak probes).", calibrate: nil),
        type("uptime", "s", "0", "4294967295", "1", "Seconds since the device booted.", calibrate: nil),
        type("cpu_temperature", "°C", "-40", "125", "1", "SoC temperature of an ESP32 or Raspberry Pi.", calibrate: nil),
    ]

    public static let productCategories: [ProductCategory] = [
        ProductCategory(name: "Sensors", slug: "sensors", description: "Environmental, energy and presence sensors.", sortOrder: 10),
        ProductCategory(name: "Controllers", slug: "controllers", description: "ESP32, Raspberry Pi and other microcontroller boards.", sortOrder: 20),
        ProductCategory(name: "Gateways", slug: "gateways", description: "Edge gateways and MQTT brokers.", sortOrder: 30),
        ProductCategory(name: "Actuators", slug: "actuators", description: "Relays, valves, motors and switches.", sortOrder: 40),
        ProductCategory(name: "Power", slug: "power", description: "Power supplies, batteries and solar kits.", sortOrder: 50),
        ProductCategory(name: "Accessories", slug: "accessories", description: "Enclosures, cables and mounting hardware.", sortOrder: 60),
    ]
}
