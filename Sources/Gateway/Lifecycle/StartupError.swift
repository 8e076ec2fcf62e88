/// Why the daemon could not start; each case maps to one exit code and one clear line.
public struct StartupError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Equatable {
        /// The database schema is behind the binary's migrations, or an applied one was edited.
        case schemaMismatch
        /// A dependency stayed unreachable (only where the caller asked not to wait forever).
        case unavailable
        /// Local state (spool directory, ring file) cannot be used.
        case localState
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
