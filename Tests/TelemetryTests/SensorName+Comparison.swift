import Testing
@testable import Telemetry

@Suite struct SensorNameComparisonTests {
    @Test(arguments: [
        ("temperature", "temperature", true),
        ("Temperature", "temperature", true),
        ("TEMPERATURE", "temperature", true),
        ("temp", "temperature", false),
        ("temperaturf", "temperature", false),
        ("", "", true),
        ("co2_ppm", "CO2_PPM", true),
        ("@", "`", false),          // neighbours of the letter ranges are not folded
        ("[", "{", false),
        ("température", "TEMPéRATURE", true),   // ASCII folded, other bytes exact
        ("température", "TEMPÉRATURE", false),
    ])
    func comparesIgnoringASCIICase(a: String, b: String, equal: Bool) {
        var a = a, b = b
        a.withUTF8 { pa in
            b.withUTF8 { pb in
                #expect(SensorName.equalsIgnoringCase(UnsafeRawBufferPointer(pa), UnsafeRawBufferPointer(pb)) == equal)
                if equal {
                    #expect(SensorName.caseInsensitiveHash(UnsafeRawBufferPointer(pa))
                        == SensorName.caseInsensitiveHash(UnsafeRawBufferPointer(pb)))
                }
            }
            #expect(SensorName.equalsIgnoringCase(UnsafeRawBufferPointer(pa), b) == equal)
        }
        if equal { #expect(SensorName.caseInsensitiveHash(a) == SensorName.caseInsensitiveHash(b)) }
    }

    @Test func hashSeparatesDifferentNames() {
        #expect(SensorName.caseInsensitiveHash("temperature") != SensorName.caseInsensitiveHash("humidity"))
    }
}
