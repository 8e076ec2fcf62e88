/// How the gateway reaches PostgreSQL (`database:` in the YAML).
public struct DatabaseSettings: Sendable, Equatable {
    /// `postgres://user[:password]@host[:port]/dbname[?param=value…]`, handed to libpq as is.
    public var url: String
    /// A direct (session) connection for what needs one: LISTEN/NOTIFY and session advisory locks.
    /// Empty: `url` serves for those too. Set it when `url` goes through a transaction pooler
    /// (PgBouncer `pool_mode = transaction`), which cannot keep a LISTEN or a session lock.
    public var listenURL: String
    /// Parallel COPY writers; measured: 1 ≈ 78k rows/s, 2 ≈ 128k, 3 ≈ 136k on 2 cores.
    public var writerConnections: Int
    /// libpq `connect_timeout`: how long one connection attempt may take before we retry.
    public var connectTimeoutSeconds: Int
    /// A file whose first line is the database password; it replaces any password in `url`.
    public var passwordFile: String?

    public init(
        url: String = "postgres://mash@127.0.0.1:5432/mash",
        listenURL: String = "",
        writerConnections: Int = 2,
        connectTimeoutSeconds: Int = 5,
        passwordFile: String? = nil
    ) {
        self.url = url
        self.listenURL = listenURL
        self.writerConnections = writerConnections
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.passwordFile = passwordFile
    }

    /// The URL for session-scoped work (LISTEN, `pg_advisory_lock`, migrations): `listenURL`, else `url`.
    ///
    /// Everything else (COPY, presence, commands, alerts) goes over `url` and is transaction-safe:
    /// no session `SET` it relies on beyond the parameters poolers track, no temp table outliving its
    /// transaction, no named prepared statement, only transaction-scoped advisory locks.
    public var sessionURL: String { listenURL.isEmpty ? url : listenURL }
}
