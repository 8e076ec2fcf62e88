/// How the gateway reaches PostgreSQL (`database:` in the YAML).
public struct DatabaseSettings: Sendable, Equatable {
    /// `postgres://user[:password]@host[:port]/dbname[?param=value…]`, handed to libpq as is.
    public var url: String
    /// Parallel COPY writers; measured: 1 ≈ 78k rows/s, 2 ≈ 128k, 3 ≈ 136k on 2 cores.
    public var writerConnections: Int
    /// libpq `connect_timeout`: how long one connection attempt may take before we retry.
    public var connectTimeoutSeconds: Int
    /// A file whose first line is the database password; it replaces any password in `url`.
    public var passwordFile: String?

    public init(
        url: String = "postgres://mash@127.0.0.1:5432/mash",
        writerConnections: Int = 2,
        connectTimeoutSeconds: Int = 5,
        passwordFile: String? = nil
    ) {
        self.url = url
        self.writerConnections = writerConnections
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.passwordFile = passwordFile
    }
}
