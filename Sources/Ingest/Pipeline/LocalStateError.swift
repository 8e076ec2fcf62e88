/// The spool directory, the ring file or the spool cannot be used: the gateway must not start.
///
/// `message` names the `ingest.spool_dir` key and says why, as one line for the operator.
public struct LocalStateError: Error, Sendable, CustomStringConvertible {
    public let message: String

    init(_ message: String) { self.message = message }

    public var description: String { message }
}
