import Postgres

/// Why migrating, checking or seeding the schema failed, with the file and PostgreSQL detail an operator needs.
///
/// `description` is the one line `mash-gateway migrate` prints; it names the migration file when
/// one is involved and never contains a connection URL (so no password).
public struct MigrationError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        /// A file in the migrations directory is not named `NNNN_name.sql`.
        case invalidFileName
        /// Two migration files carry the same version number.
        case duplicateVersion
        /// A migration file is not valid UTF-8.
        case invalidEncoding
        /// The migrations directory cannot be read, or holds no migrations.
        case unreadableDirectory
        /// An already applied migration's file has changed since it was applied; nothing was applied.
        case modified
        /// A migration's SQL failed; that migration was rolled back and later ones were not tried.
        case migrationFailed
        /// Loading the default data failed; none of it was kept.
        case seedFailed
        /// Locking, creating or reading `schema_migrations` failed.
        case database
    }

    public let code: Code
    /// The migration file concerned (`0001_core_schema.sql`), when there is one.
    public let file: String?
    public let message: String
    /// The PostgreSQL error behind this one, with its SQLSTATE, when there is one.
    public let postgres: PostgresError?

    public init(code: Code, file: String? = nil, message: String, postgres: PostgresError? = nil) {
        self.code = code
        self.file = file
        self.message = message
        self.postgres = postgres
    }

    /// The SQLSTATE of the underlying PostgreSQL error (`42P07`, …), when there is one.
    public var sqlState: String? { postgres?.sqlState }

    public var description: String {
        var text = file.map { "\($0): " } ?? ""
        text += message
        if let postgres { text += ": \(postgres)" }
        return text
    }
}
