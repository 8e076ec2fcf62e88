import Administration
import ArgumentParser
import Foundation
import GatewayConfig
import Postgres

/// `mash-gateway status`: is it working? One screen from the database and the daemon's metrics.
struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "One screen: devices, readings, rejects, commands and alerts from the database, the daemon's backlog from /metrics.",
        discussion: """
            Readings are counted by their timestamp over the last minute and hour; rejects by received_at over the
            last hour; commands that are open (pending, sent, acknowledged) at any age, finished ones created in the
            last 24 h; alerts not resolved. The ring and spool backlog come from the daemon's /metrics at http.listen
            ("daemon not answering" when it does not). Exit 0; 69 when the database is unreachable.
            """
    )

    @OptionGroup var options: ConfigOptions
    @Flag(help: "One JSON object (devices, readings, rejects, commands, alerts, daemon) instead of the screen.") var json = false

    func run() throws {
        let configuration = try options.load()
        let address: ListenAddress?
        do { address = try configuration.http.listenAddress() } catch {
            printError("configuration: \(error)")
            throw Exit.configuration
        }
        let connection = try connect(options)
        defer { connection.close() }
        let daemon = address.map { StatusSnapshot.Daemon.scrape(host: $0.host, port: $0.port) } ?? StatusSnapshot.Daemon(address: nil)
        let snapshot: StatusSnapshot
        do {
            snapshot = try StatusQueries(connection: connection).snapshot(daemon: daemon)
        } catch {
            printError("database: \(error)")
            throw error.code == .queryFailed ? Exit.failure : Exit.unavailable
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(snapshot), as: UTF8.self))
        } else {
            print(StatusScreen.render(snapshot), terminator: "")
        }
    }
}
