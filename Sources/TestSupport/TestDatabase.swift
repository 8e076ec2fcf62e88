import Foundation
import Logging
import Postgres
import SchemaMigrations
import Synchronization

extension TestPostgres {
    /// A new database with every migration applied (and, by default, the seed), as `mash`.
    ///
    /// The first call migrates a template database once per cluster; later calls copy it with
    /// `CREATE DATABASE … TEMPLATE`, which takes milliseconds instead of a full migration.
    public func migratedDatabase(seed: Bool = true) async throws -> String {
        let template = try await templateDatabase(seed: seed)
        let name = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        _ = try psql("CREATE DATABASE \"\(name)\" OWNER \(Self.owner) TEMPLATE \"\(template)\"", database: "postgres")
        return url(database: String(name))
    }

    private func templateDatabase(seed: Bool) async throws -> String {
        let name = seed ? "mash_template_seeded" : "mash_template_empty"
        let key = "\(port)/\(name)"
        let task = TemplateRegistry.tasks.withLock { tasks -> Task<String, any Error> in
            if let existing = tasks[key] { return existing }
            let task = Task<String, any Error> {
                let url = try await self.createDatabase(name)
                let connection = try PostgresConnection.connect(url)
                defer { connection.close() }
                let runner = MigrationRunner(migrations: try Migration.embedded, logger: Logger(label: "test.migrate", factory: { _ in SwiftLogNoOpLogHandler() }))
                try runner.migrate(connection)
                if seed { try runner.seed(connection) }
                return name
            }
            tasks[key] = task
            return task
        }
        return try await task.value
    }
}

private enum TemplateRegistry {
    static let tasks = Mutex<[String: Task<String, any Error>]>([:])
}
