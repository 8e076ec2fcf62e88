import Testing
import TestSupport

/// A gateway started on a fleet of 100,000 registered devices knows every one of them from its
/// cache. How fast it starts and how much memory it takes are numbers for `mash-bench soak`, not
/// for a test.
@Suite("Start-up with a large fleet", .timeLimit(.minutes(3)))
struct StartupLargeFleetTests {
    /// 100,000 devices in one statement: serial `fleet-<n>`, and a MAC derived from n (`0a:00:00:01:86:9f` for 99,999).
    static let fleet = """
        INSERT INTO devices (name, device_type, serial_number, mac_address)
        SELECT 'Fleet device ' || n, 'esp32', 'fleet-' || n,
               regexp_replace(lpad(to_hex(n), 10, '0'), '(..)(..)(..)(..)(..)', '0a:\\1:\\2:\\3:\\4:\\5')
        FROM generate_series(1, 100000) AS n
        """

    @Test("with 100,000 registered devices every one is in the device cache: the last ones' readings are stored, by serial and by MAC")
    func hundredThousandDevices() async throws {
        try await IngestFixture.with(setup: Self.fleet) { fixture in
            // The fixture's own two devices plus the fleet, all loaded before "ingest ready".
            #expect(fixture.gateway.log.contains("device cache loaded devices=100002"), "gateway log:\n\(fixture.gateway.log.suffix(2000))")
            try fixture.device.publish("devices/fleet-100000/telemetry", #"{"temperature":21.5}"#)
            try fixture.device.publish("devices/0A000001869F/telemetry", #"{"humidity":40.5}"#)
            try await fixture.expectCount("""
                SELECT count(*) FROM sensor_readings r JOIN devices d ON d.id = r.device_id
                WHERE (d.serial_number = 'fleet-100000' AND r.value = 21.5) OR (d.serial_number = 'fleet-99999' AND r.value = 40.5)
                """, 2)
            #expect(try fixture.count("SELECT count(*) FROM ingest_rejects") == 0)
        }
    }
}
