/// A row of `schema_migrations`: a migration some binary applied to this database.
public struct MigrationRecord: Sendable, Hashable {
    public let version: Int
    public let name: String
    public let checksum: String
    /// `applied_at` as PostgreSQL prints it (UTC), for display.
    public let appliedAt: String?

    public init(version: Int, name: String, checksum: String, appliedAt: String? = nil) {
        self.version = version
        self.name = name
        self.checksum = checksum
        self.appliedAt = appliedAt
    }
}

/// An applied migration whose file no longer has the bytes that were applied.
public struct ModifiedMigration: Sendable, Hashable {
    /// The file as it is now.
    public let migration: Migration
    /// The checksum recorded when it was applied.
    public let recordedChecksum: String

    public init(migration: Migration, recordedChecksum: String) {
        self.migration = migration
        self.recordedChecksum = recordedChecksum
    }
}

/// How the database's applied migrations compare with a set of migration files.
///
/// Every version falls into exactly one list: `applied` (recorded, file unchanged), `pending`
/// (file, no record), `modified` (recorded, file changed) or `unknown` (recorded, no file: a newer
/// binary migrated this database). Versions match by number; a renamed but unchanged file still
/// counts as applied, since the checksum covers what matters, the SQL.
public struct MigrationStatus: Sendable, Hashable {
    public let applied: [MigrationRecord]
    public let pending: [Migration]
    public let modified: [ModifiedMigration]
    public let unknown: [MigrationRecord]

    /// Compares `migrations` (in any order) with `records`; every list comes out in version order.
    public init(migrations: [Migration], records: [MigrationRecord]) {
        let recorded = Dictionary(records.map { ($0.version, $0) }, uniquingKeysWith: { first, _ in first })
        let files = Set(migrations.map(\.version))
        var applied: [MigrationRecord] = []
        var pending: [Migration] = []
        var modified: [ModifiedMigration] = []
        for migration in migrations.sorted(by: { $0.version < $1.version }) {
            if let record = recorded[migration.version] {
                if record.checksum == migration.checksum {
                    applied.append(record)
                } else {
                    modified.append(ModifiedMigration(migration: migration, recordedChecksum: record.checksum))
                }
            } else {
                pending.append(migration)
            }
        }
        self.applied = applied
        self.pending = pending
        self.modified = modified
        self.unknown = records.filter { !files.contains($0.version) }.sorted { $0.version < $1.version }
    }

    /// True when nothing is pending or modified: the daemon may run against this schema.
    ///
    /// Unknown (newer) migrations do not make the schema "behind"; migrations only add, so an
    /// older binary keeps working during a rolling upgrade. `summary` still mentions them.
    public var isCurrent: Bool { pending.isEmpty && modified.isEmpty }

    /// One line for logs and for `mash-gateway run`'s refusal, e.g.
    /// `schema is behind: 2 pending migrations (0003_a.sql, 0004_b.sql); run mash-gateway migrate`.
    public var summary: String {
        var parts: [String] = []
        if !modified.isEmpty {
            parts.append("\(modified.count) applied migration\(modified.count == 1 ? " was" : "s were") modified since (\(modified.map(\.migration.name).joined(separator: ", ")))")
        }
        if !pending.isEmpty {
            parts.append("\(pending.count) pending migration\(pending.count == 1 ? "" : "s") (\(pending.map(\.name).joined(separator: ", ")))")
        }
        var line: String
        if parts.isEmpty {
            line = "schema is current: \(applied.count) migration\(applied.count == 1 ? "" : "s") applied"
        } else {
            line = "schema is behind: " + parts.joined(separator: "; ")
            line += modified.isEmpty ? "; run mash-gateway migrate" : "; restore the applied files or write a new migration"
        }
        if !unknown.isEmpty {
            line += "; \(unknown.count) applied migration\(unknown.count == 1 ? "" : "s") unknown to this binary (\(unknown.map(\.name).joined(separator: ", ")))"
        }
        return line
    }
}
