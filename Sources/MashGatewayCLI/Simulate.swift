import ArgumentParser
import Foundation
import GatewayConfig
import Simulator
import UnixSignals

struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a simulated fleet of ESP32 / Raspberry Pi devices (for demos, load and soak tests).",
        discussion: """
            Publishes telemetry at --rate readings per second across --devices devices, rotating through every payload
            form (JSON forms A, B, C and plain sensor topics, several timestamp formats, device keys by serial and by MAC),
            heartbeats every 30 s, a retained `online` status at start and `offline` at the end (as the devices' wills
            would), and answers commands (ack, then result; type "fail" fails). Uses mqtt.url from the configuration;
            with --device-password, each device logs in as its serial on its own connection instead (provision the logins
            first: mash-gateway devices add <serial> --mosquitto-passwd FILE --password PASSWORD).
            --convention esphome publishes as ESPHome does (one value per {device}/sensor/{id}/state, {device}/status
            online/offline); --convention tasmota as Tasmota does (tele/{device}/SENSOR every interval with Time in the
            devices' --timezone, tele/{device}/STATE heartbeats, tele/{device}/LWT Online/Offline). The gateway must
            have the convention in ingest.conventions.
            Unless --no-register, the devices (serials <prefix>-00001 …) are first added to the `devices` table of
            database.url when missing.
            """
    )

    @OptionGroup var options: ConfigOptions

    @Option(name: .long, help: "Number of devices.")
    var devices: Int

    @Option(name: .long, help: "Readings per second, across the whole fleet.")
    var rate: Double

    @Option(name: .long, help: "Seconds to run; without it, until SIGINT/SIGTERM.")
    var duration: Double?

    @Option(name: .long, help: "Serial number prefix of the simulated devices.")
    var prefix = "sim"

    @Flag(name: .long, help: "Do not add the simulated devices to the database.")
    var noRegister = false

    @Option(name: .long, help: ArgumentHelp(
        "Each device logs in on its own connection as its serial number with this password (a broker whose ACL confines devices to devices/<user>/…, such as Config/mosquitto.acl).",
        valueName: "PASSWORD"))
    var devicePassword: String?

    @Option(name: .long, help: "Firmware to imitate: native, esphome or tasmota.")
    var convention: SimulatedConvention = .native

    @Option(name: .long, help: "IANA time zone the devices are registered with (Tasmota's Time is local time in it; devices already registered keep theirs).")
    var timezone = "UTC"

    func validate() throws {
        guard devices >= 1 else { throw ValidationError("--devices must be at least 1") }
        guard rate > 0 else { throw ValidationError("--rate must be positive (readings per second)") }
        if let duration, duration <= 0 { throw ValidationError("--duration must be positive (seconds)") }
        guard TimeZone(identifier: timezone) != nil else {
            throw ValidationError("--timezone \"\(timezone)\" is not an IANA time zone name (e.g. Europe/Berlin or UTC)")
        }
    }

    func run() async throws {
        let configuration = try options.loadForConnecting()
        let logger = makeLogger("mash.simulate", level: configuration.logging.level)
        let fleet = Fleet(options: FleetOptions(
            devices: devices, rate: rate, duration: duration.map { .milliseconds(Int64($0 * 1000)) },
            mqttURL: configuration.mqtt.url, databaseURL: noRegister ? nil : configuration.database.url, prefix: prefix,
            devicePassword: devicePassword, convention: convention, timezone: timezone),
            logger: logger)
        let task = Task { try await fleet.run() }
        // SIGINT/SIGTERM end the run the normal way: statuses go offline and the report is printed.
        let signals = Task {
            for await _ in await UnixSignalsSequence(trapping: .sigterm, .sigint) {
                task.cancel()
                break
            }
        }
        defer { signals.cancel() }
        let report: FleetReport
        do {
            report = try await task.value
        } catch {
            printError("simulate: \(error)")
            throw Exit.unavailable
        }
        print("simulate: \(report)")
    }
}

extension SimulatedConvention: ExpressibleByArgument {}
