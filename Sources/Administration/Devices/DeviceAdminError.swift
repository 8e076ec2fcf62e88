/// Why a `devices` command changed nothing: one line for the operator, and a kind the command
/// line maps to an exit code (usage 64, data 65, unavailable 69).
public struct DeviceAdminError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// A malformed argument (key, MAC, name): the command line was wrong.
        case invalidArgument
        /// The database disagrees: a duplicate serial or MAC, an unknown owner, no such device.
        case conflict
        /// PostgreSQL could not be reached or failed.
        case unavailable
        /// The broker's password file could not be updated.
        case credentials
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
