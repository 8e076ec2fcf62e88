import Foundation

/// One schema migration: a `NNNN_name.sql` file's version, name, exact text and checksum.
///
/// The checksum is the SHA-256 of the file's exact bytes, so any edit (even whitespace or line
/// endings) to an applied migration is detected and refused rather than silently diverging.
public struct Migration: Sendable, Hashable, CustomStringConvertible {
    /// The number before the first underscore (`0001_core_schema.sql` → 1); the order of application.
    public let version: Int
    /// The file name, `0001_core_schema.sql`; recorded in `schema_migrations.name` and named in errors.
    public let name: String
    /// The SQL, run as one script in one transaction.
    public let sql: String
    /// SHA-256 of `sql`'s UTF-8 bytes, 64 lowercase hex digits.
    public let checksum: String

    /// A migration from its parts; the checksum is computed from `sql`.
    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
        self.checksum = SHA256.hex(sql.utf8)
    }

    public var description: String { name }

    /// The version encoded in a `NNNN_name.sql` file name (at least four digits, then `_`, then
    /// letters, digits, `_` or `-`), or nil when the name does not have that shape.
    public static func version(ofFileName fileName: String) -> Int? {
        guard fileName.hasSuffix(".sql") else { return nil }
        let stem = fileName.dropLast(4)
        guard let underscore = stem.firstIndex(of: "_") else { return nil }
        let digits = stem[..<underscore]
        let label = stem[stem.index(after: underscore)...]
        guard digits.count >= 4, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
              !label.isEmpty,
              label.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }),
              let version = Int(digits), version > 0
        else { return nil }
        return version
    }

    /// A migration from a file's name and exact bytes.
    public static func parse(fileName: String, contents: [UInt8]) throws(MigrationError) -> Migration {
        guard let version = version(ofFileName: fileName) else {
            throw MigrationError(
                code: .invalidFileName, file: fileName,
                message: "migration file names must be NNNN_name.sql (four or more digits, a version above 0, then letters, digits, '_' or '-')"
            )
        }
        guard let sql = String(validating: contents, as: UTF8.self) else {
            throw MigrationError(code: .invalidEncoding, file: fileName, message: "migration file is not valid UTF-8")
        }
        return Migration(version: version, name: fileName, sql: sql)
    }

    /// `migrations` in version order; two with the same version are an error naming both files.
    public static func ordered(_ migrations: [Migration]) throws(MigrationError) -> [Migration] {
        let sorted = migrations.sorted { ($0.version, $0.name) < ($1.version, $1.name) }
        for (previous, next) in zip(sorted, sorted.dropFirst()) where previous.version == next.version {
            throw MigrationError(
                code: .duplicateVersion, file: next.name,
                message: "version \(next.version) is used by both \(previous.name) and \(next.name)"
            )
        }
        return sorted
    }

    /// The migrations compiled into this binary from the repository's `Migrations/` folder.
    ///
    /// They travel with the executable, so `mash-gateway migrate` works from any directory and
    /// always applies exactly the files the binary was built and tested with.
    public static var embedded: [Migration] {
        get throws(MigrationError) {
            var migrations: [Migration] = []
            for (name, base64) in EmbeddedMigrations.all {
                guard let data = Data(base64Encoded: base64) else {
                    throw MigrationError(code: .invalidEncoding, file: name, message: "embedded migration is not valid base64")
                }
                migrations.append(try parse(fileName: name, contents: Array(data)))
            }
            return try ordered(migrations)
        }
    }

    /// The `*.sql` files of `directory` (other files are ignored), in version order; for `--migrations DIR`.
    ///
    /// A directory that is missing, unreadable or holds no `.sql` file is an error, since
    /// migrating from it would silently do nothing.
    public static func load(directory: String) throws(MigrationError) -> [Migration] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw MigrationError(code: .unreadableDirectory, message: "cannot read migrations directory \(directory): \(error.localizedDescription)")
        }
        var migrations: [Migration] = []
        for name in names.sorted() where name.hasSuffix(".sql") {
            let path = (directory as NSString).appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: path) else {
                throw MigrationError(code: .unreadableDirectory, file: name, message: "cannot read \(path)")
            }
            migrations.append(try parse(fileName: name, contents: Array(data)))
        }
        guard !migrations.isEmpty else {
            throw MigrationError(code: .unreadableDirectory, message: "no *.sql migrations in \(directory)")
        }
        return try ordered(migrations)
    }
}
