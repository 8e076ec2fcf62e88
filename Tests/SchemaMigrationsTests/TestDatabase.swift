import Dispatch
import Foundation
import Logging
import Postgres
import SchemaMigrations
import Synchronization
import TestSupport

/// A fresh database on the shared test cluster, one per test, owned by role `mash`.
struct TestDatabase {
    let cluster: TestPostgres
    let name: String
    let url: String

    static func make() async throws -> TestDatabase {
        let cluster = try await TestPostgres.shared()
        let name = "migrations_\(UUID().uuidString.prefix(8).lowercased())"
        let url = try await cluster.createDatabase(name)
        return TestDatabase(cluster: cluster, name: name, url: url)
    }

    func connect() throws -> PostgresConnection {
        try PostgresConnection.connect(url, applicationName: "schema-migrations-tests")
    }

    /// The first column of the first row, as text.
    static func value(_ connection: PostgresConnection, _ sql: String, _ parameters: [String?] = []) throws -> String? {
        let rows = try connection.execute(sql, parameters)
        return rows.rows.first?.first ?? nil
    }

    /// Every row's first column.
    static func column(_ connection: PostgresConnection, _ sql: String) throws -> [String?] {
        try connection.execute(sql).rows.map { $0.first ?? nil }
    }
}

/// A log handler that keeps messages in memory, so tests can read what the runner said without a global bootstrap.
final class RecordingLogHandler: LogHandler, @unchecked Sendable {
    private let storage = Mutex<[String]>([])
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    var messages: [String] { storage.withLock { $0 } }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        storage.withLock { $0.append(event.message.description) }
    }
}

extension Logger {
    /// A logger for tests and the handler that records its messages.
    static func recording() -> (Logger, RecordingLogHandler) {
        let handler = RecordingLogHandler()
        return (Logger(label: "schema-migrations-tests", factory: { _ in handler }), handler)
    }
}
