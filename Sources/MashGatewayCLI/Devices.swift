import Administration
import ArgumentParser
import Foundation
import Postgres
import WallTime

/// `mash-gateway devices add|list|remove`: device provisioning without SQL.
struct Devices: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Register, list and remove devices.",
        subcommands: [Add.self, List.self, Remove.self]
    )

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register a device whose serial number (its MQTT key) is KEY; prints its id.",
            discussion: """
                With --mosquitto-passwd FILE, also adds KEY as a broker user to that password file (created if missing)
                with a random password, printed once on the second line, or --password; reload the broker (SIGHUP) so it
                reads the file. The shipped ACL then lets that user publish on devices/KEY/…
                A removed device with this serial is brought back (same id, its readings kept).
                Refuses, changing nothing: a device with this serial or MAC exists (exit 65), the owner is unknown
                (exit 65), a malformed MAC or key (exit 64).
                """
        )
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The device's serial number: its key on MQTT (devices/KEY/…).") var key: String
        @Option(help: ArgumentHelp("MAC address (AA:BB:CC:DD:EE:FF or aabbccddeeff).", valueName: "MAC")) var mac: String?
        @Option(help: "Display name (default: KEY).") var name: String?
        @Option(help: "devices.device_type (default: generic).") var type: String?
        @Option(help: ArgumentHelp("The owning user: email (any case), clerk_user_id or id.", valueName: "USER")) var owner: String?
        @Option(name: .customLong("mosquitto-passwd"), help: ArgumentHelp("Also create the device's broker login in this mosquitto password file.", valueName: "FILE"))
        var mosquittoPasswd: String?
        @Option(help: "The broker password to set with --mosquitto-passwd (default: a random one, printed once).") var password: String?

        func validate() throws {
            if password != nil && mosquittoPasswd == nil { throw ValidationError("--password needs --mosquitto-passwd FILE") }
        }

        func run() throws {
            let device: NewDevice
            do {
                device = try NewDevice(serialNumber: key, macAddress: mac, name: name, deviceType: type, ownerKey: owner)
            } catch {
                throw fail(error)
            }
            let connection = try connect(options)
            defer { connection.close() }
            let credentials = mosquittoPasswd.map { BrokerPasswordFile(path: $0) }
            let secret = password ?? BrokerPasswordFile.randomPassword()
            do {
                let added = try DeviceStore(connection: connection).add(device) { _ throws(DeviceAdminError) in
                    try credentials?.set(user: device.serialNumber, password: secret)
                }
                print(added.id)
                if credentials != nil && password == nil { print("mqtt password: \(secret)") }
                if added.restored { printError("device \"\(key)\" had been removed; it is back with its old id and readings") }
                if let credentials { printError("broker user \"\(key)\" set in \(credentials.path); reload the broker (SIGHUP) to apply") }
            } catch {
                throw fail(error)
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every device not removed: key, id, status, last seen, owner.")
        @OptionGroup var options: ConfigOptions
        @Flag(help: "One JSON array instead of a table.") var json = false

        func run() throws {
            let connection = try connect(options)
            defer { connection.close() }
            let devices: [DeviceListing]
            do { devices = try DeviceStore(connection: connection).list() } catch { throw fail(error) }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(devices), as: UTF8.self))
            } else {
                print(DeviceListing.table(devices, nowMicros: WallInstant.now().microseconds), terminator: "")
            }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove a device (soft delete): its readings stay, its telemetry becomes unknown_device.",
            discussion: "KEY is a device key: serial number, else MAC address (any spelling), else id. Its broker login, if any, stays in the password file: remove it with mosquitto_passwd -D FILE KEY."
        )
        @OptionGroup var options: ConfigOptions
        @Argument(help: "Serial number, MAC address or id.") var key: String

        func run() throws {
            let connection = try connect(options)
            defer { connection.close() }
            do {
                let removed = try DeviceStore(connection: connection).remove(key: key)
                print("removed \(removed.key) (id \(removed.id))")
            } catch {
                throw fail(error)
            }
        }
    }
}

/// Prints the one line and returns the exit code its kind means.
private func fail(_ error: DeviceAdminError) -> ExitCode {
    printError(error.message)
    switch error.kind {
    case .invalidArgument: return Exit.usage
    case .conflict: return Exit.dataError
    case .unavailable: return Exit.unavailable
    case .credentials: return Exit.failure
    }
}

/// Opens the configured database, or prints one line and exits 69.
func connect(_ options: ConfigOptions) throws -> PostgresConnection {
    let configuration = try options.load()
    do {
        return try PostgresConnection.connect(
            configuration.database.url, applicationName: "mash-gateway cli",
            connectTimeoutSeconds: configuration.database.connectTimeoutSeconds)
    } catch {
        printError("database unreachable: \(error)")
        throw Exit.unavailable
    }
}
