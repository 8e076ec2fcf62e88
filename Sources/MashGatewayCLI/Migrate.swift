import ArgumentParser
import GatewayConfig
import Postgres
import SchemaMigrations

struct Migrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Bring the database schema up to date (each migration once; safe from two hosts at once).",
        discussion: """
            Applies the migrations built into this binary (or those in --migrations DIR) that the database has not
            applied yet, in order, each in its own transaction, under an advisory lock. Refuses, applying nothing,
            when an applied migration's file was edited. --seed then adds default sensor types, an admin user
            (admin@localhost) and product categories, skipping any that exist.
            """
    )

    @OptionGroup var options: ConfigOptions

    @Flag(name: .long, help: "Also load default sensor types, an admin user and product categories.")
    var seed = false

    @Option(name: .long, help: ArgumentHelp("Use the NNNN_name.sql files in this directory instead of the built-in ones.", valueName: "DIR"))
    var migrations: String?

    func run() throws {
        let configuration = try options.loadForConnecting()
        let logger = makeLogger("mash.migrate", level: configuration.logging.level)
        let files: [Migration]
        do {
            files = try migrations.map { try Migration.load(directory: $0) } ?? Migration.embedded
        } catch {
            printError("\(error)")
            throw Exit.failure
        }
        let connection: PostgresConnection
        do {
            connection = try PostgresConnection.connect(
                // The migration lock is a session advisory lock: never through a transaction pooler.
                configuration.database.sessionURL,
                applicationName: "mash-gateway migrate",
                connectTimeoutSeconds: configuration.database.connectTimeoutSeconds
            )
        } catch {
            printError("database unreachable: \(error)")
            throw Exit.unavailable
        }
        defer { connection.close() }
        let runner = MigrationRunner(migrations: files, logger: logger)
        do {
            let applied = try runner.migrate(connection)
            print(applied.isEmpty
                ? "schema is up to date (\(files.count) migrations)"
                : "applied \(applied.count) migration(s): \(applied.map(\.name).joined(separator: ", "))")
            if seed {
                let report = try runner.seed(connection)
                print("seed: added \(report.sensorTypesAdded) sensor types, \(report.usersAdded) users, \(report.productCategoriesAdded) product categories")
            }
        } catch {
            printError("\(error)")
            throw error.code == .modified ? Exit.schemaMismatch : (error.code == .database ? Exit.unavailable : Exit.failure)
        }
    }
}
